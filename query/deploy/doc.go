// Package deploy holds the tests of vigil's figures on the real Flask app
// (demo.StartFlask) in the shapes people deploy it: one process, gunicorn
// workers without the exporter's multiprocess mode, and gunicorn in
// multiprocess mode; and on a crash loop. It has no code of its own.
package deploy
