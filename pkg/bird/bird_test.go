package bird

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// BIRD 2.0.12's reply, as its control socket sent it in a lab namespace
// with eth2 down: its macvlan is "up" (admin) with LinkDown.
const reply = `1001-lo down (index=1)
1004-	MultiAccess AdminDown LinkDown Loopback Ignored MTU=65536
1001-nls-e2 down (index=3)
1004-	MultiAccess Broadcast Multicast AdminDown LinkDown MTU=1500
1001-nls-m1 up (index=4)
1004-	MultiAccess Broadcast Multicast AdminUp LinkDown MTU=1500
1001-nls-m2 up (index=5)
1004-	MultiAccess Broadcast Multicast AdminUp LinkUp MTU=1500
1003-	fe80::1/64 (Preferred, scope link)
 	10.0.0.1/24 (Preferred, scope site)
0000 `

func TestParseInterfaces(t *testing.T) {
	got, err := ParseInterfaces(strings.Split(reply, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Link{{"lo", 1, false, false}, {"nls-e2", 3, false, false}, {"nls-m1", 4, true, false}, {"nls-m2", 5, true, true}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("link %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if got[2].Up() || !got[3].Up() {
		t.Errorf("Up: a macvlan without carrier is down, one with it up")
	}
}

func TestParseInterfacesRefusals(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		is    error
		want  string
	}{
		{"syntax error", []string{"9001 syntax error, unexpected CF_SYM_UNDEFINED"}, ErrReply, "syntax error"},
		{"cut short", []string{"1001-eth2 up (index=3)"}, nil, "ended before 0000"},
		{"garbage", []string{"hello"}, nil, "unexpected line"},
	}
	for _, tt := range tests {
		_, err := ParseInterfaces(tt.lines)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
			t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	got := string(Render(Config{RouterID: "10.255.0.1", ScanTime: 5 * time.Second, RxBuffer: 262144}))
	for _, want := range []string{"router id 10.255.0.1;", "scan time 5;", "protocol kernel kernel_ipv4 {", "protocol kernel kernel_ipv6 {", "learn;", "netlink rx buffer 262144;", "export none"} {
		if !strings.Contains(got, want) {
			t.Errorf("bird.conf lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(Render(Config{RouterID: "10.255.0.1", ScanTime: time.Second})), "netlink rx buffer") {
		t.Error("no RxBuffer: bird.conf must not set one")
	}
}

func FuzzParseInterfaces(f *testing.F) {
	f.Add(reply)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseInterfaces(strings.Split(s, "\n"))
	})
}
