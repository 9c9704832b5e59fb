package views

import (
	"reflect"

	"github.com/vigilterm/vigil/views/text"
)

// What leaves vigil as JSON carries no terminal control: every string of a
// report is passed through the sanitiser, found by reflection so that a
// field added later cannot be forgotten.

// JSONText is a string as the JSON report carries it: no C0 or C1 control,
// no bidi or other invisible format character, valid UTF-8 (each shown as
// U+FFFD, as on screen); line breaks are kept.
func JSONText(s string) string { return text.SanitizeMultiline(s) }

// SanitizeJSON passes every string reachable from p (a pointer), map keys
// included, through the JSON report's sanitiser: for the other commands'
// JSON.
func SanitizeJSON(p any) { sanitizeStrings(reflect.ValueOf(p).Elem()) }

// sanitizeStrings rewrites, in place, every string reachable from v.
func sanitizeStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(JSONText(v.String()))
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			sanitizeStrings(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				sanitizeStrings(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.IsNil() || !v.CanSet() {
			return
		}
		// A copy: the report's own slices may be shared with its caller.
		clean := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(clean, v)
		for i := range clean.Len() {
			sanitizeStrings(clean.Index(i))
		}
		v.Set(clean)
	case reflect.Array:
		for i := range v.Len() {
			sanitizeStrings(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() || v.Type().Key().Kind() != reflect.String {
			return
		}
		clean := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(iter.Value())
			sanitizeStrings(val)
			clean.SetMapIndex(reflect.ValueOf(JSONText(iter.Key().String())).Convert(v.Type().Key()), val)
		}
		v.Set(clean)
	}
}
