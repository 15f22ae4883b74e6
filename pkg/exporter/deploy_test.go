package exporter

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// deploy is where the fleet's files are, from this package's directory.
const deploy = "../../scripts/deploy"

// The DaemonSet manifest decodes strictly into the Kubernetes API types
// (no unknown or misspelt field) and says what README promises: host
// network and PID namespaces, the exporter's port probed, only the two
// capabilities diagnose needs, nothing writable.
func TestDaemonSetManifest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(deploy, "nlstress-exporter.daemonset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ds appsv1.DaemonSet
	if err := yaml.UnmarshalStrict(raw, &ds); err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	if ds.APIVersion != "apps/v1" || ds.Kind != "DaemonSet" {
		t.Fatalf("%s %s: want apps/v1 DaemonSet", ds.APIVersion, ds.Kind)
	}
	spec := ds.Spec.Template.Spec
	if !spec.HostNetwork || !spec.HostPID {
		t.Fatalf("hostNetwork %v, hostPID %v: want both, to see the node's sockets and name their owners", spec.HostNetwork, spec.HostPID)
	}
	if ds.Spec.Selector == nil || ds.Spec.Selector.MatchLabels["app.kubernetes.io/name"] != ds.Spec.Template.Labels["app.kubernetes.io/name"] {
		t.Fatalf("selector %v does not select the template's labels %v", ds.Spec.Selector, ds.Spec.Template.Labels)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers", len(spec.Containers))
	}
	c := spec.Containers[0]
	if !slices.Contains(c.Args, "diagnose") || !slices.Contains(c.Args, "--listen=:9917") {
		t.Fatalf("args %v: want diagnose --listen=:9917", c.Args)
	}
	if len(c.Ports) != 1 || c.Ports[0].ContainerPort != 9917 {
		t.Fatalf("ports %v: want 9917", c.Ports)
	}
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Port.String() != c.Ports[0].Name {
			t.Fatalf("%s probe %+v: want an HTTP probe of the metrics port", name, p)
		}
	}
	if c.LivenessProbe.HTTPGet.Path != LivePath || c.ReadinessProbe.HTTPGet.Path != "/metrics" {
		t.Fatalf("probes on %s and %s: want %s and /metrics", c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path, LivePath)
	}
	if c.Resources.Limits.Memory().IsZero() || c.Resources.Limits.Cpu().IsZero() {
		t.Fatalf("limits %v: want CPU and memory", c.Resources.Limits)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		(sc.Privileged != nil && *sc.Privileged) || sc.Capabilities == nil {
		t.Fatalf("security context %+v: want read-only, no escalation, not privileged", sc)
	}
	if !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || !slices.Equal(sc.Capabilities.Add, []corev1.Capability{"SYS_PTRACE", "DAC_READ_SEARCH"}) {
		t.Fatalf("capabilities %+v: want ALL dropped, SYS_PTRACE and DAC_READ_SEARCH added (as the systemd unit)", sc.Capabilities)
	}
	for _, m := range c.VolumeMounts {
		if !m.ReadOnly {
			t.Fatalf("mount %s is writable", m.MountPath)
		}
	}
}
