package text

import (
	"strings"
	"testing"
)

// 100 characters each: a label value as it usually comes, and one stuffed
// with escapes, C1 controls, bidi controls and invalid bytes.
var (
	benchSafe    = strings.Repeat("checkout-api-", 7) + "eu-west-1 /api/v1/orders/{id} 日本"
	benchHostile = strings.Repeat("a\x1b]0;x\x07\x9b2J\u202Eb\r\n\t\xff", 7)[:100]
)

func BenchmarkSanitize(b *testing.B) {
	for _, bc := range []struct{ name, s string }{{"safe", benchSafe}, {"hostile", benchHostile}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.s)))
			b.ReportAllocs()
			for b.Loop() {
				_ = Sanitize(bc.s)
			}
		})
	}
}

func BenchmarkFit(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"ascii", "/api/v1/orders/{id}/items"},
		{"wide", "/注文/一覧/詳細/アイテム"},
		{"styled", "\x1b[1;31m/api/v1/orders/{id}/items\x1b[0m"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Fit(bc.s, 16)
			}
		})
	}
}
