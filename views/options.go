package views

import "time"

// Option is given to a screen's constructor: what the console knows at the
// time it builds the screen, given once rather than set later.
type Option func(*Options)

// Options are what a screen's constructor was given, the Options applied.
type Options struct {
	Whoami  func() string
	ClaimOf func(key string) string
	Title   string
	End     time.Time
}

// Applied is the options, each applied in turn.
func Applied(opts []Option) Options {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithAuthor names the author of a new silence when silence.created_by is
// not set (Alerts, Silences); nil keeps the process's user@host.
func WithAuthor(whoami func() string) Option { return func(o *Options) { o.Whoami = whoami } }

// WithClaims says who is on an alert, by its key (Alerts): the list shows it
// before the summary, the alert's detail on a line of its own.
func WithClaims(claimOf func(key string) string) Option {
	return func(o *Options) { o.ClaimOf = claimOf }
}

// WithTitle names the screen in the header (Overview: the members of a
// group).
func WithTitle(t string) Option { return func(o *Options) { o.Title = t } }

// EndingAt makes the range end at t instead of now (Endpoint: an event seen
// from the timeline); the zero time is now.
func EndingAt(t time.Time) Option { return func(o *Options) { o.End = t } }
