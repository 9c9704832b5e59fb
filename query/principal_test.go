package query

import (
	"strings"
	"testing"
)

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{"": RoleViewer, "viewer": RoleViewer, "silencer": RoleSilencer, "admin": RoleAdmin} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRole("root"); err == nil || !strings.Contains(err.Error(), `"root"`) {
		t.Errorf("ParseRole(root): %v", err)
	}
	if RoleViewer.CanWrite() || !RoleSilencer.CanWrite() || !RoleAdmin.CanWrite() {
		t.Error("CanWrite: only silencer and admin write")
	}
}
