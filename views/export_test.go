package views

// DefaultTestSettings are the settings the screens' tests run with, for the
// check in settings_test.go that they are the defaults' own.
var DefaultTestSettings = testSettings
