package deploy_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/patchbot/patchbot/config"
)

// haDir is the two-replica overlay on the PostgreSQL ledger.
const haDir = "kubernetes-ha"

// TestKubernetesHAOverlay renders the two-replica overlay with kubectl
// kustomize and holds it to what leader election needs: two replicas
// rolled with no gap, a PodDisruptionBudget keeping one, the DSN from the
// Secret (a key the example Secret has), no SQLite claim, and a config
// that validates with the pod's environment on the postgres driver.
func TestKubernetesHAOverlay(t *testing.T) {
	t.Parallel()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: the overlay is rendered by kubectl kustomize")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", haDir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", haDir, err, stderr.String())
	}
	var dep *appsv1.Deployment
	var pdb *policyv1.PodDisruptionBudget
	var cm *corev1.ConfigMap
	for _, doc := range docSeparator.Split(string(out), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatal(err)
		}
		var obj any
		switch tm.Kind {
		case "Deployment":
			dep = &appsv1.Deployment{}
			obj = dep
		case "PodDisruptionBudget":
			pdb = &policyv1.PodDisruptionBudget{}
			obj = pdb
		case "ConfigMap":
			cm = &corev1.ConfigMap{}
			obj = cm
		case "Service":
			obj = &corev1.Service{}
		default:
			t.Errorf("rendered %s: the overlay makes a Deployment, its ConfigMap, a Service and a PodDisruptionBudget (the SQLite claim is dropped)", tm.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Errorf("%s does not decode strictly: %v", tm.Kind, err)
		}
	}
	if dep == nil || pdb == nil || cm == nil {
		t.Fatalf("rendered: deployment %v, pdb %v, configmap %v", dep != nil, pdb != nil, cm != nil)
	}

	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 2 {
		t.Errorf("replicas = %s, want 2", deref(dep.Spec.Replicas))
	}
	ru := dep.Spec.Strategy.RollingUpdate
	if dep.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("strategy = %+v, want RollingUpdate with maxUnavailable 0", dep.Spec.Strategy)
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Errorf("the PodDisruptionBudget's selector %v does not select the pods %v", pdb.Spec.Selector, dep.Spec.Template.Labels)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
		t.Errorf("PodDisruptionBudget minAvailable = %v, want 1", pdb.Spec.MinAvailable)
	}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			t.Errorf("volume %s still claims %s: the ledger is in PostgreSQL", v.Name, v.PersistentVolumeClaim.ClaimName)
		}
	}

	var secret corev1.Secret
	if err := yaml.UnmarshalStrict(readFile(t, filepath.Join(haDir, "secret.example.yaml")), &secret); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	c := dep.Spec.Template.Spec.Containers[0]
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if _, ok := secret.StringData[ref.Key]; !ok || ref.Name != secret.Name {
				t.Errorf("env %s reads %s/%s, which the example Secret does not have", e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = "test-" + strings.ToLower(e.Name)
		default:
			env[e.Name] = e.Value
		}
	}
	if _, ok := env["PATCHBOT_DSN"]; !ok {
		t.Error("the container has no PATCHBOT_DSN")
	}
	cfg, err := config.Parse("kubernetes-ha configmap", []byte(cm.Data[configKey]),
		func(v string) (string, bool) { val, ok := env[v]; return val, ok },
		func(f string) ([]byte, error) { return nil, os.ErrNotExist })
	if err != nil {
		t.Fatalf("the overlay's config does not validate with the pod's environment:\n%v", err)
	}
	if cfg.Store.Driver != config.DriverPostgres || cfg.Store.DSN.Value() != env["PATCHBOT_DSN"] {
		t.Errorf("store = %s with DSN from %s, want postgres from PATCHBOT_DSN", cfg.Store.Driver, cfg.Store.DSN.Source())
	}
}
