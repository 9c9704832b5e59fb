package rulecheck

import (
	"os"
	"path/filepath"
	"testing"
)

func readDemo(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "demo", "rules", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
