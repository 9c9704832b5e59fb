package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigilterm/vigil"
)

// Every connection setting of [prometheus] changes the cache's scope,
// secrets by their value: two contexts with another password, tenant
// header or certificate never share an answer. The settings are found by
// reflection, so a new one that the scope leaves out fails here.
func TestPrometheusScopeCoversEverySetting(t *testing.T) {
	conf := func(change func(p reflect.Value)) *vigil.Config {
		c := vigil.Defaults()
		c.Prometheus.URL = "http://prom:9090"
		if change != nil {
			change(reflect.ValueOf(&c.Prometheus).Elem())
		}
		return &c
	}
	seen := map[string]string{prometheusScope(conf(nil)): "the defaults"}
	check := func(what string, change func(p reflect.Value)) {
		s := prometheusScope(conf(change))
		if other, ok := seen[s]; ok {
			t.Errorf("%s: the same scope as %s", what, other)
		}
		seen[s] = what
	}
	// Not connection settings: the same answers whatever they are.
	same := map[string]bool{"URL": true, "RecordingRules": true, "MaxConcurrentQueries": true}
	typ := reflect.TypeOf(vigil.PrometheusConfig{})
	var leaves func(idx []int, ft reflect.Type)
	leaves = func(idx []int, ft reflect.Type) {
		if ft.Kind() == reflect.Struct {
			for i := range ft.NumField() {
				leaves(append(append([]int(nil), idx...), i), ft.Field(i).Type)
			}
			return
		}
		if len(idx) == 1 && same[typ.Field(idx[0]).Name] {
			return
		}
		var names []string
		for i := range idx {
			names = append(names, typ.FieldByIndex(idx[:i+1]).Name)
		}
		path := strings.Join(names, ".")
		field := func(p reflect.Value) reflect.Value { return p.FieldByIndex(idx) }
		switch ft.Kind() {
		case reflect.String:
			for _, v := range []string{"a", "b"} {
				check(path+"="+v, func(p reflect.Value) { field(p).SetString(v) })
			}
		case reflect.Bool:
			check(path, func(p reflect.Value) { field(p).SetBool(true) })
		case reflect.Int64: // a duration
			for _, v := range []int64{int64(time.Second), int64(time.Minute)} {
				check(fmt.Sprintf("%s=%d", path, v), func(p reflect.Value) { field(p).SetInt(v) })
			}
		case reflect.Map:
			// A header with one value, one secret or one file.
			ht := ft.Elem()
			for i := range ht.NumField() {
				for _, v := range []string{"a", "b"} {
					check(path+"."+ht.Field(i).Name+"="+v, func(p reflect.Value) {
						h := reflect.New(ht).Elem()
						sl := reflect.MakeSlice(ht.Field(i).Type, 1, 1)
						sl.Index(0).SetString(v)
						h.Field(i).Set(sl)
						m := reflect.MakeMap(ft)
						m.SetMapIndex(reflect.ValueOf("X-Scope-OrgID").Convert(ft.Key()), h)
						field(p).Set(m)
					})
				}
			}
		default:
			t.Errorf("%s: a %s setting this test does not know", path, ft.Kind())
		}
	}
	leaves(nil, typ)
	if len(seen) < 30 {
		t.Errorf("%d settings checked: the walk missed some", len(seen)-1)
	}
}
