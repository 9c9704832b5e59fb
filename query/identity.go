package query

import (
	"os"
	"os/user"
)

// Writer is who the console writes as: configured (silence.created_by) when
// set, else user@host of the process. It asks the system, which on a
// bastion may mean a slow NSS look-up, so it is resolved once at start and
// handed to what writes (alertmanager.SilenceService) and what shows the
// author.
func Writer(configured string) string {
	if configured != "" {
		return configured
	}
	return SystemUser()
}

// SystemUser is user@host of the process ($USER, else "vigil", when the
// user database has no name; the bare name when there is no host name).
func SystemUser() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "vigil"
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return name + "@" + h
	}
	return name
}
