#!/usr/bin/env bash
# Proves `make vulncheck` can fail: a throwaway module outside the repo calls
# golang.org/x/text/language.ParseAcceptLanguage at v0.3.7, vulnerable to
# GO-2022-1059 (CVE-2022-32149, fixed in v0.3.8). govulncheck, with the same
# offline database as `make vulncheck`, must exit 3 naming GO-2022-1059; with
# v0.3.8 it must exit 0. Run through `make vulncheck-selftest`, which sets
# GO, GOVULNCHECK and VULNDB_DIR.
set -euo pipefail
: "${GO:=go}" "${GOVULNCHECK:?}" "${VULNDB_DIR:?}"
export GOWORK=off GOFLAGS=-mod=mod

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat > main.go <<'GO'
package main

import (
	"fmt"

	"golang.org/x/text/language"
)

func main() {
	tags, _, err := language.ParseAcceptLanguage("en-US,fr;q=0.8")
	fmt.Println(tags, err)
}
GO
$GO mod init example.com/vulnselftest >/dev/null 2>&1

check() { # version wanted-exit
	$GO get "golang.org/x/text@$1" > get.log 2>&1 || { cat get.log >&2; exit 1; }
	set +e
	"$GOVULNCHECK" -db "file://$VULNDB_DIR" ./... > out.txt 2>&1
	rc=$?
	set -e
	sed 's/^/    /' out.txt
	if [ "$rc" != "$2" ]; then
		echo "FAIL: golang.org/x/text@$1: govulncheck exited $rc, want $2" >&2
		exit 1
	fi
	if [ "$2" = 3 ] && ! grep -q 'GO-2022-1059' out.txt; then
		echo "FAIL: golang.org/x/text@$1: output does not name GO-2022-1059" >&2
		exit 1
	fi
	echo "ok: golang.org/x/text@$1: govulncheck exited $rc as expected"
}
check v0.3.7 3
check v0.3.8 0
echo "vulncheck-selftest: passed"
