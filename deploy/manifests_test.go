package deploy_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/patchbot/patchbot/config"
)

const (
	k8sDir = "kubernetes"
	// secretExample is the example Secret, kept out of the kustomization
	// so that applying it never overwrites the real tokens.
	secretExample = "secret.example.yaml"
	// configKey is the ConfigMap key holding patchbot.yaml.
	configKey = "patchbot.yaml"
	// readyzBudget is how long /readyz itself waits for Jira and Slack
	// (cmd/patchbot/http.go); the readiness probe must wait longer.
	readyzBudget = 5
)

// kustomization is the part of kustomization.yaml these manifests use.
// Decoding is strict: a feature added there must be added here too, so
// that a typo in a field name cannot pass unnoticed.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Namespace  string           `json:"namespace,omitempty"`
	Resources  []string         `json:"resources"`
	Images     []kustomizeImage `json:"images,omitempty"`
}

// kustomizeImage is an images: entry of kustomization.yaml.
type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// manifests are the decoded Kubernetes objects of deploy/kubernetes.
type manifests struct {
	kustomization kustomization
	configMap     *corev1.ConfigMap
	deployment    *appsv1.Deployment
	pvc           *corev1.PersistentVolumeClaim
	service       *corev1.Service
	secret        *corev1.Secret // the example; not applied by kustomize
}

// wantAPIVersion is the apiVersion each kind must be written with.
var wantAPIVersion = map[string]string{
	"ConfigMap":             "v1",
	"Secret":                "v1",
	"Service":               "v1",
	"PersistentVolumeClaim": "v1",
	"Deployment":            "apps/v1",
}

// docSeparator splits a YAML stream into documents.
var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decodeObject decodes one manifest strictly (unknown or duplicate fields
// are errors) into the API type for its kind.
func decodeObject(data []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(data, &tm); err != nil {
		return nil, err
	}
	want, ok := wantAPIVersion[tm.Kind]
	if !ok {
		return nil, fmt.Errorf("kind %q: the test knows no API type for it", tm.Kind)
	}
	if tm.APIVersion != want {
		return nil, fmt.Errorf("%s: apiVersion %q, want %q", tm.Kind, tm.APIVersion, want)
	}
	var obj any
	switch tm.Kind {
	case "ConfigMap":
		obj = &corev1.ConfigMap{}
	case "Secret":
		obj = &corev1.Secret{}
	case "Service":
		obj = &corev1.Service{}
	case "PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	case "Deployment":
		obj = &appsv1.Deployment{}
	}
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		return nil, fmt.Errorf("%s does not decode strictly into %T: %w", tm.Kind, obj, err)
	}
	if m, ok := obj.(metav1.Object); ok {
		for _, msg := range validation.IsDNS1123Subdomain(m.GetName()) {
			return nil, fmt.Errorf("%s name %q: %s", tm.Kind, m.GetName(), msg)
		}
		if m.GetNamespace() != "" {
			return nil, fmt.Errorf("%s %s sets namespace %q: the manifests must stay namespace-agnostic", tm.Kind, m.GetName(), m.GetNamespace())
		}
	}
	return obj, nil
}

// loadManifests reads kustomization.yaml, every resource it lists and the
// example Secret, and fails on any file in the directory that is neither.
func loadManifests(t *testing.T) *manifests {
	t.Helper()
	m := &manifests{}
	if err := yaml.UnmarshalStrict(readFile(t, filepath.Join(k8sDir, "kustomization.yaml")), &m.kustomization); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	k := m.kustomization
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml: apiVersion %q kind %q", k.APIVersion, k.Kind)
	}
	if k.Namespace != "" {
		t.Errorf("kustomization.yaml sets namespace %q: leave it to the user or an overlay", k.Namespace)
	}
	if slices.Contains(k.Resources, secretExample) {
		t.Errorf("kustomization.yaml lists %s: applying it would overwrite the real tokens with placeholders", secretExample)
	}

	files, err := filepath.Glob(filepath.Join(k8sDir, "*.y*ml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && base != secretExample && !slices.Contains(k.Resources, base) {
			t.Errorf("%s is neither listed in kustomization.yaml nor the example Secret", f)
		}
	}

	for _, name := range append(slices.Clone(k.Resources), secretExample) {
		data := readFile(t, filepath.Join(k8sDir, name))
		if docSeparator.Match(data) {
			t.Errorf("%s: keep one object per file", name)
			continue
		}
		obj, err := decodeObject(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if (name == secretExample) != isSecret(obj) {
			t.Errorf("%s: a Secret belongs only in %s, as an example", name, secretExample)
			continue
		}
		if !m.set(obj) {
			t.Errorf("%s: a second %T; the test expects one of each", name, obj)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if m.configMap == nil || m.deployment == nil || m.pvc == nil || m.service == nil || m.secret == nil {
		t.Fatalf("missing manifests: configMap %v, deployment %v, pvc %v, service %v, secret example %v",
			m.configMap != nil, m.deployment != nil, m.pvc != nil, m.service != nil, m.secret != nil)
	}
	return m
}

// deref prints an optional field's value, or "unset".
func deref[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func isSecret(obj any) bool { _, ok := obj.(*corev1.Secret); return ok }

// set stores obj in its slot, reporting false when the slot was taken.
func (m *manifests) set(obj any) bool {
	switch o := obj.(type) {
	case *corev1.ConfigMap:
		return fill(&m.configMap, o)
	case *appsv1.Deployment:
		return fill(&m.deployment, o)
	case *corev1.PersistentVolumeClaim:
		return fill(&m.pvc, o)
	case *corev1.Service:
		return fill(&m.service, o)
	case *corev1.Secret:
		return fill(&m.secret, o)
	}
	return false
}

func fill[T any](slot **T, v *T) bool {
	taken := *slot != nil
	*slot = v
	return !taken
}

// container is the Deployment's one container.
func (m *manifests) container(t *testing.T) *corev1.Container {
	t.Helper()
	cs := m.deployment.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("deployment has %d containers, want 1", len(cs))
	}
	return &cs[0]
}

// volume finds the pod volume a mount refers to.
func (m *manifests) volume(t *testing.T, name string) *corev1.Volume {
	t.Helper()
	for i, v := range m.deployment.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return &m.deployment.Spec.Template.Spec.Volumes[i]
		}
	}
	t.Fatalf("volume %q is mounted but not defined", name)
	return nil
}

// mountFor finds the container mount a file path lies under, the deepest
// when mounts nest.
func mountFor(c *corev1.Container, file string) (corev1.VolumeMount, bool) {
	var best corev1.VolumeMount
	found := false
	for _, vm := range c.VolumeMounts {
		if (file == vm.MountPath || strings.HasPrefix(file, strings.TrimSuffix(vm.MountPath, "/")+"/")) &&
			(!found || len(vm.MountPath) > len(best.MountPath)) {
			best, found = vm, true
		}
	}
	return best, found
}

// resolvePort turns a probe's or Service's port (a number or a container
// port name) into the container port number.
func resolvePort(t *testing.T, c *corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	t.Errorf("port %q names no container port", p.StrVal)
	return -1
}

// configArg is the --config value of the container's arguments, or of the
// image's CMD when the Deployment gives none.
func configArg(args []string) (string, bool) {
	for i, a := range args {
		if a == "--config" && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v, true
		}
	}
	return "", false
}

// podEnv is the environment the Deployment gives the container, with a test
// value standing in for each Secret key.
type podEnv struct {
	values     map[string]string
	fromSecret map[string]bool
}

func (m *manifests) env(t *testing.T) podEnv {
	t.Helper()
	c := m.container(t)
	e := podEnv{values: map[string]string{}, fromSecret: map[string]bool{}}
	for _, ev := range c.Env {
		for _, msg := range validation.IsEnvVarName(ev.Name) {
			t.Errorf("env %q: %s", ev.Name, msg)
		}
		switch {
		case ev.ValueFrom == nil:
			e.values[ev.Name] = ev.Value
		case ev.ValueFrom.SecretKeyRef != nil:
			ref := ev.ValueFrom.SecretKeyRef
			if ref.Name != m.secret.Name {
				t.Errorf("env %s comes from Secret %q; the documented Secret is %q", ev.Name, ref.Name, m.secret.Name)
			}
			if _, ok := m.secret.StringData[ref.Key]; !ok {
				t.Errorf("env %s reads key %q, which the example Secret (%s) does not have", ev.Name, ref.Key, secretExample)
			}
			if ref.Optional != nil && *ref.Optional {
				t.Errorf("env %s: the Secret key must not be optional; a missing token should stop the pod from starting", ev.Name)
			}
			e.values[ev.Name] = "test-value-for-" + ev.Name
			e.fromSecret[ev.Name] = true
		default:
			e.values[ev.Name] = "test-value-for-" + ev.Name
		}
	}
	for _, ef := range c.EnvFrom {
		t.Errorf("envFrom %+v: name each variable, so that the test can see where the config's references come from", ef)
	}
	return e
}

// parsedConfig is the ConfigMap's config parsed with the pod's environment.
func (m *manifests) parsedConfig(t *testing.T) (*config.Config, []byte) {
	t.Helper()
	text, ok := m.configMap.Data[configKey]
	if !ok {
		t.Fatalf("ConfigMap %s has no %q key", m.configMap.Name, configKey)
	}
	data := []byte(text)
	e := m.env(t)
	c := m.container(t)
	name := fmt.Sprintf("configmap.yaml data[%s]", configKey)
	cfg, err := config.Parse(name, data,
		func(v string) (string, bool) { val, ok := e.values[v]; return val, ok },
		func(file string) ([]byte, error) {
			// A *_file secret must come from a mounted Secret.
			if vm, ok := mountFor(c, file); ok {
				if v := m.volume(t, vm.Name); v.Secret != nil {
					return []byte("test-secret-file"), nil
				}
			}
			return nil, fmt.Errorf("open %s: %w (no Secret volume is mounted there)", file, os.ErrNotExist)
		})
	if err != nil {
		t.Fatalf("the ConfigMap's config does not validate with the Deployment's environment (its line 1 is line %d of %s):\n%v",
			embeddedLine(t), filepath.Join(k8sDir, "configmap.yaml"), err)
	}
	return cfg, data
}

// embeddedLine is the line of configmap.yaml where the embedded config
// starts, to place the config's errors.
func embeddedLine(t *testing.T) int {
	lines := strings.Split(string(readFile(t, filepath.Join(k8sDir, "configmap.yaml"))), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == configKey+": |" {
			return i + 2
		}
	}
	return 0
}
