package target

import (
	"strings"
	"testing"
)

// Every target has what a run and a report ask of it: a name Set accepts,
// a summary, words for its buffer, lines to paste.
func TestEveryTargetIsComplete(t *testing.T) {
	for _, tr := range All {
		t.Run(string(tr.Name), func(t *testing.T) {
			var n Name
			if err := n.Set(string(tr.Name)); err != nil || n != tr.Name {
				t.Fatalf("Set(%q) = %v, name %q", tr.Name, err, n)
			}
			if tr.Summary == "" || tr.Setting == nil || tr.Paste == nil {
				t.Fatalf("%+v: summary, setting and paste are required", tr)
			}
			if tr.Outside && tr.Owner == "" && !tr.Command {
				t.Fatalf("an outside daemon's socket needs an owner's name")
			}
			p := tr.Paste(8 << 20)
			if p.Where == "" || len(p.Lines) == 0 {
				t.Fatalf("Paste(8 MiB) = %+v", p)
			}
			if s := tr.Setting(65536, false, false); s == "" {
				t.Fatal("no words for a set buffer")
			}
		})
	}
}

func TestLookup(t *testing.T) {
	if _, ok := Lookup("quagga"); ok {
		t.Fatal("Lookup found a target that does not exist")
	}
	var n Name
	err := n.Set("quagga")
	if err == nil || !strings.Contains(err.Error(), "want builtin, keepalived, frr, exec or bird") {
		t.Fatalf("Set(quagga) = %v, want the list of targets", err)
	}
	if got := Of("quagga"); got.Name != "quagga" || got.Outside || got.Setting(1, true, false) != "SO_RCVBUFFORCE 1" {
		t.Fatalf("Of(unknown) = %+v", got)
	}
	if got := Names(); strings.Join(got, ",") != "builtin,keepalived,frr,exec,bird" {
		t.Fatalf("Names() = %v", got)
	}
}

func TestPaste(t *testing.T) {
	tests := []struct {
		name    string
		paste   func(int64) Paste
		request int64
		want    string
	}{
		{"keepalived sets any size, forced", KeepalivedLines, 4096, "vrrp_netlink_monitor_rcv_bufs 4096; vrrp_netlink_monitor_rcv_bufs_force"},
		{"zebra above its default", ZebraOption, FRRDefaultNLBufSize + 4096, "--nl-bufsize 4198400"},
		{"zebra at its default: no option", ZebraOption, FRRDefaultNLBufSize, "(no --nl-bufsize: zebra's default, 4194304, is larger)"},
		{"zebra below its default: no option", ZebraOption, 65536, "(no --nl-bufsize: zebra's default, 4194304, is larger)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.paste(tt.request).Lines, "; "); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetting(t *testing.T) {
	tests := []struct {
		name        string
		tr          Traits
		request     int64
		force, dflt bool
		want        string
	}{
		{"engine default", builtin, 65536, false, true, "keepalived's default buffer (SO_RCVBUF 65536)"},
		{"engine forced", builtin, 1 << 20, true, false, "SO_RCVBUFFORCE 1048576"},
		{"keepalived default writes nothing", keepalived, 65536, false, true, "keepalived's default buffer (no vrrp_netlink_monitor_rcv_bufs)"},
		{"zebra default", frr, FRRDefaultNLBufSize, true, true, "zebra's default --nl-bufsize (SO_RCVBUFFORCE 4194304)"},
		{"zebra set", frr, 65536, true, false, "zebra --nl-bufsize 65536 (SO_RCVBUFFORCE)"},
		{"exec's own", exec, 0, false, true, "the daemon's own buffer (NLS_RCVBUF=0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tr.Setting(tt.request, tt.force, tt.dflt); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
