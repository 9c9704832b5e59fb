package alerting

import (
	"charm.land/bubbles/v2/key"

	"github.com/vigilterm/vigil/views"
)

// FormKeys implements views.FormOpener: the keys that open the silence form.
func (a *Alerts) FormKeys() []key.Binding { return silenceFormKeys(a.ctx) }

// FormKeys implements views.FormOpener: the keys that open the silence form.
func (s *Silences) FormKeys() []key.Binding { return silenceFormKeys(s.ctx) }

func silenceFormKeys(ctx *views.Context) []key.Binding {
	k := ctx.Keys
	return []key.Binding{k.Silence, k.NewSilence, k.Recreate}
}

// The components of the alerting screens, checked against the contract.
var (
	_ views.Component  = (*AlertDetail)(nil)
	_ views.Component  = (*SilenceForm)(nil)
	_ views.Component  = (*SilencedPanel)(nil)
	_ views.Component  = (*ExtendChooser)(nil)
	_ views.Component  = (*silenceDetail)(nil)
	_ views.Component  = (*confirmQuestion)(nil)
	_ views.Screen     = (*Alerts)(nil)
	_ views.FormOpener = (*Alerts)(nil)
	_ views.Screen     = (*Silences)(nil)
	_ views.FormOpener = (*Silences)(nil)
)
