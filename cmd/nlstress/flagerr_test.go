package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Bad values and unknown commands are said in one line of words: no Go
// parser's name, no blank parts, the suggestion beside its question.
func TestUsageErrorsInWords(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--vrids", "abc"}, `nlstress: invalid argument "abc" for "--vrids" flag: not a whole number` + "\n"},
		{[]string{"run", "--vrids", "99999999999999999999"}, `nlstress: invalid argument "99999999999999999999" for "--vrids" flag: out of range` + "\n"},
		{[]string{"run", "--advert-int", "5"}, `nlstress: invalid argument "5" for "--advert-int" flag: a duration needs a unit (500ms, 2s, 1m)` + "\n"},
		{[]string{"run", "--advert-int", "fast"}, `nlstress: invalid argument "fast" for "--advert-int" flag: not a duration (500ms, 2s, 1m)` + "\n"},
		{[]string{"run", "--force=maybe"}, `nlstress: invalid argument "maybe" for "--force" flag: want true or false` + "\n"},
		{[]string{"dignose"}, `nlstress: unknown command "dignose" for "nlstress"; Did you mean this? diagnose` + "\n"},
		{[]string{"diagnose", "--watch", "-1s"}, "nlstress: --watch -1s: want a duration to watch for (30s), or 0 to look once\n"},
		{[]string{"diagnose", "--interval", "0s", "--watch", "5s"}, "nlstress: --interval 0s: want a positive sampling interval (1s)\n"},
		{[]string{"diagnose", "--web.config.file", "/etc/nlstress/web-config.yml"}, "nlstress: --web.config.file secures --listen: give --listen too\n"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := execute(context.Background(), tt.args, &stdout, &stderr); code != exitUsage || stderr.String() != tt.want {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}
