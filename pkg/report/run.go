package report

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
)

// Run writes a run's result in the given format.
func Run(w io.Writer, f Format, r result.Result) error {
	if f == FormatJSON {
		return JSON(w, r)
	}
	kept := "removed"
	if r.Lab.Kept {
		kept = "kept: nlstress cleanup removes it"
	}
	rows := [][]string{
		{"run id", r.Lab.RunID},
		{"namespaces", strings.Join(r.Lab.Namespaces, ", ")},
		{"interfaces", strings.Join(r.Lab.Interfaces, ", ")},
		{"VRRP instances", strconv.Itoa(r.Lab.Instances)},
		{"VMAC macvlans", strconv.Itoa(r.Lab.VMACs)},
		{"lab build time", r.Lab.BuildTime.Round(time.Millisecond).String()},
		{"lab", kept},
		{"kernel", r.Host.Kernel},
		{"net.core.rmem_max", strconv.FormatInt(r.Host.RmemMax, 10)},
	}
	return Table(w, f, []string{"lab", "value"}, rows)
}

// Cleanup writes what "nlstress cleanup" found and did.
func Cleanup(w io.Writer, f Format, found []result.Leftover) error {
	if f == FormatJSON {
		if found == nil {
			found = []result.Leftover{}
		}
		return JSON(w, found)
	}
	if len(found) == 0 {
		_, err := io.WriteString(w, "nothing to clean up\n")
		return err
	}
	rows := make([][]string, len(found))
	for i, lo := range found {
		rows[i] = []string{lo.Kind, lo.Name, lo.RunID, lo.Action}
	}
	return Table(w, f, []string{"kind", "name", "run", "action"}, rows)
}
