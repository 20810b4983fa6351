package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/patchbot/patchbot/config"
)

// TestKubernetesManifestsDecode decodes every manifest into the API types,
// strictly, and checks what the API server would reject.
func TestKubernetesManifestsDecode(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d := m.deployment
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		t.Fatalf("deployment selector: %v", err)
	}
	if sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("deployment selector %v does not select its pod template's labels %v", sel, d.Spec.Template.Labels)
	}
	c := m.container(t)
	for _, p := range c.Ports {
		for _, msg := range validation.IsValidPortName(p.Name) {
			t.Errorf("container port name %q: %s", p.Name, msg)
		}
	}
	for _, vm := range c.VolumeMounts {
		m.volume(t, vm.Name)
	}
}

// TestDeploymentRunsOneLedgerWriter holds the Deployment to the SQLite
// ledger: one replica, never two at once, on the claimed volume.
func TestDeploymentRunsOneLedgerWriter(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	d := m.deployment
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %s, want exactly 1 (the ledger is one SQLite file)", deref(d.Spec.Replicas))
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("strategy = %q, want Recreate: a rolling update would run two daemons on one ledger", d.Spec.Strategy.Type)
	}
	if got := m.pvc.Spec.AccessModes; !slices.Equal(got, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) {
		t.Errorf("PVC access modes %v, want [ReadWriteOnce]", got)
	}
	if m.pvc.Spec.Resources.Requests.Storage().Cmp(resource.MustParse("100Mi")) < 0 {
		t.Errorf("PVC requests %v, too little for the ledger and its WAL", m.pvc.Spec.Resources.Requests.Storage())
	}

	cfg, _ := m.parsedConfig(t)
	c := m.container(t)
	if !path.IsAbs(cfg.Store.Path) {
		t.Fatalf("store.path %q is relative; in the container it must name the volume", cfg.Store.Path)
	}
	vm, ok := mountFor(c, cfg.Store.Path)
	if !ok {
		t.Fatalf("store.path %q lies on no volume: the ledger would be lost with the pod (and the root filesystem is read-only)", cfg.Store.Path)
	}
	if vm.MountPath != path.Dir(cfg.Store.Path) {
		t.Errorf("store.path %q: the data volume is mounted at %s, want its directory %s", cfg.Store.Path, vm.MountPath, path.Dir(cfg.Store.Path))
	}
	if vm.ReadOnly || vm.SubPath != "" {
		t.Errorf("store mount %+v: must be writable and whole (SQLite makes -wal and -shm files beside the ledger)", vm)
	}
	v := m.volume(t, vm.Name)
	if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != m.pvc.Name {
		t.Errorf("store volume %q is %+v, want the PersistentVolumeClaim %q", v.Name, v.VolumeSource, m.pvc.Name)
	}
	if path.Dir(cfg.Store.Path) != stateDir {
		t.Errorf("store.path %q: keep it in %s, the image's VOLUME and the systemd StateDirectory", cfg.Store.Path, stateDir)
	}
}

// TestDeploymentConfigAndSecrets checks that the config file the container
// is told to read is the ConfigMap's, and that every variable the config
// references is set, the tokens from the Secret.
func TestDeploymentConfigAndSecrets(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	c := m.container(t)
	args := c.Args
	if len(c.Command) > 0 {
		t.Errorf("command %v overrides the image's ENTRYPOINT; set args only", c.Command)
	}
	if args == nil {
		args = dockerCMD(t)
	}
	file, ok := configArg(args)
	if !ok {
		t.Fatalf("args %v give no --config", args)
	}
	if file != configPath {
		t.Errorf("--config %s, want %s (the Dockerfile's CMD and the systemd unit use it)", file, configPath)
	}
	vm, ok := mountFor(c, file)
	if !ok {
		t.Fatalf("--config %s lies on no volume", file)
	}
	if !vm.ReadOnly {
		t.Errorf("config mount %s should be readOnly", vm.MountPath)
	}
	v := m.volume(t, vm.Name)
	if v.ConfigMap == nil || v.ConfigMap.Name != m.configMap.Name {
		t.Fatalf("--config %s is on volume %q (%+v), want the ConfigMap %q", file, v.Name, v.VolumeSource, m.configMap.Name)
	}
	// Which ConfigMap key appears at file: via subPath, an items mapping,
	// or the key's own name.
	rel := strings.TrimPrefix(file, strings.TrimSuffix(vm.MountPath, "/")+"/")
	key := rel
	if vm.SubPath != "" {
		key, rel = vm.SubPath, ""
	}
	if len(v.ConfigMap.Items) > 0 {
		key = ""
		for _, it := range v.ConfigMap.Items {
			if it.Path == rel || (vm.SubPath != "" && it.Path == vm.SubPath) {
				key = it.Key
			}
		}
	}
	if key != configKey {
		t.Errorf("--config %s shows ConfigMap key %q, want %q", file, key, configKey)
	}

	cfg, data := m.parsedConfig(t)
	e := m.env(t)
	refs := referencedEnv(data)
	if len(refs) == 0 {
		t.Errorf("the config references no environment variables; the tokens must come from the Secret")
	}
	for _, name := range refs {
		if _, ok := e.values[name]; !ok {
			t.Errorf("the config references ${%s}, which the Deployment does not set", name)
		}
	}
	for key, s := range map[string]config.Secret{"jira.token": cfg.Jira.Token, "slack.token": cfg.Slack.Token} {
		src := s.Source()
		if v, ok := strings.CutPrefix(src, "environment variable "); ok {
			if !e.fromSecret[v] {
				t.Errorf("%s comes from %s, which the Deployment does not take from the Secret", key, src)
			}
		} else if !strings.HasPrefix(src, "file ") {
			t.Errorf("%s: source %q, want a Secret-backed variable or file", key, src)
		}
	}
	for k, v := range m.secret.StringData {
		if !strings.Contains(v, "REPLACE") {
			t.Errorf("example Secret key %s: value must be a placeholder marked REPLACE", k)
		}
	}
	if len(m.secret.Data) > 0 {
		t.Errorf("example Secret: use stringData with marked placeholders, not data")
	}
	if m.secret.Type != corev1.SecretTypeOpaque {
		t.Errorf("example Secret type %q, want Opaque", m.secret.Type)
	}
}

// TestDeploymentProbesAndPorts checks the probes, the Service and the
// Prometheus annotations against the port patchbot listens on.
func TestDeploymentProbesAndPorts(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	cfg, _ := m.parsedConfig(t)
	port := listenPort(t, cfg.HTTP.Listen)
	c := m.container(t)
	if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.ContainerPort == port }) {
		t.Errorf("container ports %v do not include http.listen's %d", c.Ports, port)
	}

	for _, tc := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"startupProbe", c.StartupProbe, "/healthz"},
		// Liveness must not depend on Jira or Slack: an outage there
		// would otherwise restart patchbot in a loop.
		{"livenessProbe", c.LivenessProbe, "/healthz"},
		{"readinessProbe", c.ReadinessProbe, "/readyz"},
	} {
		if tc.probe == nil {
			t.Errorf("%s missing", tc.name)
			continue
		}
		g := tc.probe.HTTPGet
		if g == nil {
			t.Errorf("%s: want an httpGet probe", tc.name)
			continue
		}
		if g.Path != tc.path {
			t.Errorf("%s path %q, want %q", tc.name, g.Path, tc.path)
		}
		if got := resolvePort(t, c, g.Port); got != port {
			t.Errorf("%s port %v is %d, want the listen port %d", tc.name, g.Port.String(), got, port)
		}
		if g.Scheme != "" && g.Scheme != corev1.URISchemeHTTP {
			t.Errorf("%s scheme %q: patchbot serves plain HTTP", tc.name, g.Scheme)
		}
	}
	if r := c.ReadinessProbe; r != nil && r.TimeoutSeconds <= readyzBudget {
		t.Errorf("readiness timeout %ds: /readyz waits up to %ds for Jira and Slack itself", r.TimeoutSeconds, readyzBudget)
	}
	if s := c.StartupProbe; s != nil {
		if budget := time.Duration(s.PeriodSeconds*s.FailureThreshold) * time.Second; budget < 30*time.Second {
			t.Errorf("startup probe allows %v; give the daemon at least 30s to open the ledger and reach Jira", budget)
		}
	}

	a := m.deployment.Spec.Template.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/path"] != "/metrics" || a["prometheus.io/port"] != fmt.Sprint(port) {
		t.Errorf("pod annotations %v: want prometheus.io/scrape \"true\", path /metrics, port %d", a, port)
	}

	svc := m.service
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	if len(svc.Spec.Selector) == 0 || !sel.Matches(labels.Set(m.deployment.Spec.Template.Labels)) {
		t.Errorf("service selector %v does not select the pod (labels %v)", svc.Spec.Selector, m.deployment.Spec.Template.Labels)
	}
	if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return resolvePort(t, c, p.TargetPort) == port }) {
		t.Errorf("service ports %+v do not reach the metrics port %d", svc.Spec.Ports, port)
	}
	if !svc.Spec.PublishNotReadyAddresses {
		t.Errorf("service: publishNotReadyAddresses should be true, so /metrics stays reachable while Jira or Slack is down")
	}
}

// TestDeploymentHardening checks the pod's security settings, grace period
// and resources.
func TestDeploymentHardening(t *testing.T) {
	t.Parallel()
	m := loadManifests(t)
	ps := m.deployment.Spec.Template.Spec
	c := m.container(t)
	psc, csc := ps.SecurityContext, c.SecurityContext
	if psc == nil || csc == nil {
		t.Fatalf("pod securityContext %v, container securityContext %v: both required", psc, csc)
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("pod runAsNonRoot must be true")
	}
	for _, uid := range []*int64{psc.RunAsUser, csc.RunAsUser} {
		if uid != nil && *uid == 0 {
			t.Errorf("runAsUser 0")
		}
	}
	if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
		t.Errorf("readOnlyRootFilesystem must be true")
	}
	if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Errorf("allowPrivilegeEscalation must be false")
	}
	if csc.Privileged != nil && *csc.Privileged {
		t.Errorf("privileged must not be set")
	}
	if csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") || len(csc.Capabilities.Add) > 0 {
		t.Errorf("capabilities %+v: drop ALL, add none", csc.Capabilities)
	}
	seccomp := func(sc *corev1.SeccompProfile) bool {
		return sc != nil && sc.Type == corev1.SeccompProfileTypeRuntimeDefault
	}
	if !seccomp(psc.SeccompProfile) && !seccomp(csc.SeccompProfile) {
		t.Errorf("seccompProfile RuntimeDefault missing")
	}
	// patchbot stops within about 30s of SIGTERM.
	if g := ps.TerminationGracePeriodSeconds; g == nil || *g <= 30 {
		t.Errorf("terminationGracePeriodSeconds %s: must exceed patchbot's 30s shutdown", deref(g))
	}
	if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
		t.Errorf("automountServiceAccountToken should be false: patchbot never calls the Kubernetes API")
	}
	// With a read-only root, SQLite's temporary files need a writable /tmp.
	if vm, ok := mountFor(c, "/tmp/x"); !ok || vm.ReadOnly {
		t.Errorf("no writable /tmp volume")
	}

	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() {
		t.Errorf("resource requests %v: set cpu and memory", req)
	}
	if lim.Memory().IsZero() || lim.Memory().Cmp(*req.Memory()) < 0 {
		t.Errorf("memory limit %v: set one, at least the request %v", lim.Memory(), req.Memory())
	}
	// Go's soft limit sits below the pod's hard one, with room for what
	// the Go runtime does not count (SQLite allocates its page cache
	// outside the Go heap).
	if v, ok := m.env(t).values["GOMEMLIMIT"]; !ok {
		t.Errorf("no GOMEMLIMIT: without it Go lets the heap grow to twice the live data, past limits.memory")
	} else if soft, err := goMemLimit(v); err != nil {
		t.Errorf("GOMEMLIMIT=%q: %v", v, err)
	} else if hard := lim.Memory().Value(); soft > hard*9/10 || soft < hard/2 {
		t.Errorf("GOMEMLIMIT=%s is %d bytes; want between 50%% and 90%% of limits.memory %v (%d bytes)", v, soft, lim.Memory(), hard)
	}

	if !slices.ContainsFunc(m.kustomization.Images, func(i kustomizeImage) bool { return i.Name == c.Image }) {
		t.Errorf("image %q has no images: entry in kustomization.yaml to point it at a registry", c.Image)
	}
}

// TestKustomizeBuild renders the kustomization with `kubectl kustomize`
// when kubectl is installed, and decodes what it prints.
func TestKustomizeBuild(t *testing.T) {
	t.Parallel()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", k8sDir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || ctx.Err() != nil {
			t.Fatalf("kubectl kustomize %s: %v\n%s", k8sDir, err, stderr.String())
		}
		t.Skipf("kubectl kustomize: %v", err)
	}
	m := loadManifests(t)
	kinds := map[string]int{}
	for _, doc := range docSeparator.Split(string(out), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		obj, err := decodeObject([]byte(doc))
		if err != nil {
			t.Errorf("rendered object: %v", err)
			continue
		}
		kinds[fmt.Sprintf("%T", obj)]++
		if d, ok := obj.(*appsv1.Deployment); ok {
			img := d.Spec.Template.Spec.Containers[0].Image
			want := m.kustomization.Images[0]
			if img != want.NewName+":"+want.NewTag {
				t.Errorf("rendered image %q, want %s:%s", img, want.NewName, want.NewTag)
			}
		}
	}
	if len(kinds) != len(m.kustomization.Resources) {
		t.Errorf("rendered kinds %v, want one per resource in %v", kinds, m.kustomization.Resources)
	}
}

// goMemLimit parses a GOMEMLIMIT value as the Go runtime does: a number of
// bytes with an optional B, KiB, MiB, GiB or TiB suffix.
func goMemLimit(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			v, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("not a positive size with a B, KiB, MiB, GiB or TiB suffix")
	}
	return n * mult, nil
}
