package vigil

import (
	_ "charm.land/bubbles/v2/help"
	_ "charm.land/bubbles/v2/key"
	_ "charm.land/bubbles/v2/textinput"
	_ "charm.land/bubbles/v2/viewport"
	_ "charm.land/bubbletea/v2"
	_ "charm.land/lipgloss/v2"
	_ "github.com/charmbracelet/x/ansi"
	_ "github.com/guptarohit/asciigraph"
	_ "github.com/prometheus/alertmanager/api/v2/client"
	_ "github.com/prometheus/alertmanager/api/v2/client/silence"
	_ "github.com/prometheus/alertmanager/api/v2/models"
	_ "github.com/prometheus/alertmanager/matcher/compat"
	_ "github.com/prometheus/alertmanager/pkg/labels"
	_ "github.com/prometheus/client_golang/api"
	_ "github.com/prometheus/client_golang/api/prometheus/v1"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/prometheus/common/config"
	_ "github.com/go-openapi/strfmt"
	_ "github.com/go-openapi/runtime/client"
)
