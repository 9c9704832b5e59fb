//go:build !vigil_testhooks

package main

import tea "charm.land/bubbletea/v2"

// testPanicEnv names the end-to-end tests' crash hook (testhooks.go), which
// the binary people run does not have.
const testPanicEnv = "VIGIL_TEST_PANIC"

// withTestHooks is m itself: no test hook in this build.
func withTestHooks(m tea.Model, _ func(string) string) tea.Model { return m }
