// Package stress runs a scenario end to end: pre-flight checks, the lab,
// and (once built) the routers, the flapper and the observers. Run is the
// one entry point; commands only map their flags to a scenario.Scenario.
package stress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/preflight"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// Run validates sc, checks the host, builds the lab, and tears it down on
// every path (return, error, cancelled ctx, panic) unless sc.KeepLab.
//
// The VRRP routers and the netlink observers are not built yet: after the
// lab is built and removed, Run returns the result so far together with an
// error wrapping result.ErrNotImplemented, so no one mistakes it for a
// measurement.
func Run(ctx context.Context, sc scenario.Scenario) (res result.Result, err error) {
	if err := sc.Validate(); err != nil {
		return res, err
	}
	if err := preflight.Check(preflight.Needs{Macvlan: sc.VMAC}); err != nil {
		return res, err
	}
	res = result.Result{SchemaVersion: result.SchemaVersion, Started: time.Now().UTC(), Scenario: sc}
	if res.Host, err = preflight.ReadHost(); err != nil {
		return res, err
	}
	slog.Debug("host", "kernel", res.Host.Kernel, "rmem_max", res.Host.RmemMax, "rmem_default", res.Host.RmemDefault)

	t0 := time.Now()
	l, err := lab.Build(ctx, labSpec(sc))
	if err != nil {
		return res, err
	}
	res.Lab = describe(l)
	res.Lab.BuildTime = time.Since(t0)
	defer func() {
		if sc.KeepLab {
			res.Lab.Kept = true
			return
		}
		if terr := l.Teardown(); terr != nil {
			err = errors.Join(err, terr)
		}
	}()
	slog.Info("lab built", "run", l.RunID, "namespaces", res.Lab.Namespaces, "instances", res.Lab.Instances, "vmacs", res.Lab.VMACs, "took", res.Lab.BuildTime.Round(time.Millisecond))
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("run %s: %w", l.RunID, err)
	}
	return res, fmt.Errorf("the VRRP stress run is %w (issue 5): the lab was built and %s, but nothing was measured", result.ErrNotImplemented, map[bool]string{true: "kept", false: "removed"}[sc.KeepLab])
}

// describe summarises a built lab for the result.
func describe(l *lab.Lab) result.Lab {
	d := result.Lab{
		RunID:      l.RunID,
		Namespaces: []string{lab.NamespaceName(l.RunID, lab.RoleSubject), lab.NamespaceName(l.RunID, lab.RolePeer)},
		Instances:  len(l.Instances),
	}
	for _, ifc := range l.Interfaces {
		d.Interfaces = append(d.Interfaces, ifc.Name)
	}
	for _, in := range l.Instances {
		if in.VMAC != "" {
			d.VMACs++
		}
	}
	return d
}

// labSpec is the lab a scenario runs in.
func labSpec(sc scenario.Scenario) lab.Spec {
	return lab.Spec{Instances: sc.VRIDs, VMAC: sc.VMAC, Family: sc.Family}
}
