// Package widget holds the pieces every screen of the console is built
// from: a list with its cursor, scroll, navigation and filter prompt, a
// one-line text input that vigil draws itself, table rows of fixed-width
// cells, and compact label sets. Widgets know nothing of Prometheus or
// Alertmanager; screens in package views put them together.
package widget
