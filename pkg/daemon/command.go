package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrCommand is wrapped by CheckCommand's errors: a --target-cmd that
// cannot run.
var ErrCommand = errors.New("target command cannot run")

// shellWords are /bin/sh builtins and keywords a command may start with.
var shellWords = map[string]bool{
	"exec": true, "cd": true, "set": true, "export": true, "if": true, "for": true, "while": true,
	"case": true, "{": true, "(": true, "!": true, ".": true, "eval": true, "env": true, "true": true,
}

// CheckCommand checks a shell command line before anything is built: that
// /bin/sh parses it (sh -n) and, when it starts with a plain program name,
// that the program exists. It cannot know what the command will do.
func CheckCommand(cmdline string) error {
	if strings.TrimSpace(cmdline) == "" {
		return fmt.Errorf("%w: empty command", ErrCommand)
	}
	var out bytes.Buffer
	sh := exec.Command("/bin/sh", "-n", "-c", cmdline)
	sh.Stdout, sh.Stderr = &out, &out
	if err := sh.Run(); err != nil {
		return fmt.Errorf("%w: /bin/sh rejects %q: %s", ErrCommand, cmdline, Head(out.String(), 1))
	}
	first := strings.Fields(cmdline)[0]
	if strings.ContainsAny(first, "=$`'\"\\;&|<>()") || shellWords[first] {
		return nil // an assignment, an expansion or a shell construct: nothing to look up
	}
	if _, err := exec.LookPath(first); err != nil {
		return fmt.Errorf("%w: %q: %s not found", ErrCommand, cmdline, first)
	}
	return nil
}
