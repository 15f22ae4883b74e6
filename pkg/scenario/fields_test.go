package scenario

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The table is the one definition of each field: unique names, help that
// says something, and a value that a file and a flag set alike.
func TestFieldsTable(t *testing.T) {
	samples := map[string]string{"int": "7", "bool": "true", "string": "x", "time.Duration": "250ms", "bytesize.Size": "64K", "nlmon.Policy": "resync", "target.Name": "keepalived", "scenario.FlapMode": "carrier", "scenario.DownUntil": "fault", "scenario.KeepalivedLog": "console", "flap.Pattern": "bounce:3/100ms"}
	keys, flags := map[string]bool{}, map[string]bool{}
	for _, f := range Fields {
		if keys[f.Key] || flags[f.Flag] {
			t.Errorf("field %s/%s defined twice", f.Key, f.Flag)
		}
		keys[f.Key], flags[f.Flag] = true, true
		if f.Flag != strings.ReplaceAll(f.Key, "_", "-") {
			t.Errorf("field %s: flag --%s does not match its key", f.Key, f.Flag)
		}
		if len(f.Help) < 20 {
			t.Errorf("field %s: help %q says too little", f.Key, f.Help)
		}
		var s, copied Scenario
		typ := typeName(f.Ptr(&s))
		text, ok := samples[typ]
		if !ok {
			t.Fatalf("field %s: no sample for type %s", f.Key, typ)
		}
		if err := f.Set(&s, text); err != nil {
			t.Fatalf("field %s: Set(%q): %v", f.Key, text, err)
		}
		Override(&copied, s, func(flag string) bool { return flag == f.Flag })
		if typeValue(f.Ptr(&copied)) != typeValue(f.Ptr(&s)) {
			t.Errorf("field %s: Override copied %v, want %v", f.Key, typeValue(f.Ptr(&copied)), typeValue(f.Ptr(&s)))
		}
	}
}

func typeName(p any) string { return strings.TrimPrefix(fmt.Sprintf("%T", p), "*") }

func typeValue(p any) string { return fmt.Sprintf("%v", reflect.ValueOf(p).Elem().Interface()) }
