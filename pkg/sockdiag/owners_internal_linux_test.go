package sockdiag

import "testing"

// A socket held by several processes is its maker's: the holder whose pid
// is its port id, else the lowest pid.
func TestOwner(t *testing.T) {
	holders := []Owner{{PID: 100, Comm: "nlstress"}, {PID: 4242, Comm: "zebra"}}
	for _, tt := range []struct {
		name    string
		holders []Owner
		portID  uint32
		want    Owner
		ok      bool
	}{
		{"borrowed: the maker by port id", holders, 4242, holders[1], true},
		{"port id of no holder: lowest pid", holders, 3518325541, holders[0], true},
		{"one holder", holders[1:], 0, holders[1], true},
		{"none", nil, 7, Owner{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := owner(tt.holders, tt.portID); got != tt.want || ok != tt.ok {
				t.Fatalf("owner = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
