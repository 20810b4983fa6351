package intake

import (
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

// want is an expected field value: its text and whether it is unfilled.
type want struct {
	text     string
	unfilled bool
}

func TestParseDescription(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		desc   string
		want   map[handoff.FieldID]want
		absent []handoff.FieldID
	}{
		{
			name: "patch plan template pasted unfilled, one line as the seed prints it",
			desc: handofftest.SeedPatchPlan,
			want: map[handoff.FieldID]want{
				handoff.FieldAdvisory:         {"[CVE/advisory]", true},
				handoff.FieldAssetGroup:       {"[assets, products, versions, business service, owner]", true},
				handoff.FieldAffectedVersions: {"[assets, products, versions, business service, owner]", true},
				handoff.FieldUrgencyDriver:    {"[KEV, exploitation, exposure, EPSS, business criticality, deadline]", true},
				handoff.FieldLane:             {"[patch now / planned window / mitigate first / monitor / exception / needs review]", true},
				handoff.FieldFixedVersion:     {"[fixed version, patch link, workaround, config, supersedence note]", true},
				handoff.FieldRollback:         {"[window, test scope, reboot, dependencies, rollback, communication]", true},
				handoff.FieldTemporaryControl: {"[temporary control, SOC monitoring, exception owner, vendor ask, review date]", true},
				handoff.FieldClosureExpected:  {"[version, deployment, scan, inventory, owner validation, exceptions]", true},
				handoff.FieldOwner:            {"[team/person, date]", true},
				handoff.FieldDeadline:         {"[team/person, date]", true},
			},
		},
		{
			name: "owner handoff template pasted unfilled, one line",
			desc: handofftest.SeedOwnerHandoff,
			want: map[handoff.FieldID]want{
				handoff.FieldLane:             {"[patch now/patch in window/validate affected status/mitigate/exception review]", true},
				handoff.FieldProduct:          {"[assets/products/versions/owners]", true},
				handoff.FieldUrgencyDriver:    {"[KEV/exploited/high EPSS/exposure/business criticality/source confidence]", true},
				handoff.FieldFixedVersion:     {"[fixed version/patch link/mitigation/configuration]", true},
				handoff.FieldDeadline:         {"[date/window/review trigger]", true},
				handoff.FieldWindow:           {"[date/window/review trigger]", true},
				handoff.FieldTestPlan:         {"[testing/rollback/reboot/dependencies/known issues]", true},
				handoff.FieldSOCMonitoring:    {"[temporary control/SOC monitoring/exception owner/review date]", true},
				handoff.FieldClosureExpected:  {"[version proof/deployment record/scan/inventory/attestation]", true},
				handoff.FieldSourceConfidence: {"[unknown affected status/vendor ambiguity/source confidence/not proof of compromise]", true},
			},
		},
		{
			name: "patch plan filled in on one line",
			desc: "Patch plan - CVE-2026-1234 Scope: payments-web fleet, OpenSSL 3.0.0-3.0.7, owner team-payments Urgency driver: KEV listed, internet-facing Action lane: patch now Fix path: upgrade to OpenSSL 3.0.8 https://openssl.org/news/secadv Change plan: Sunday window, staging test, rollback via snapshot restore, reboot required, notify support If blocked: WAF rule, SOC monitoring on exploit signatures, vendor case 1234, review 2026-12-05 Closure proof needed: version scan and deployment record Current owner and due date: team-payments, 2026-12-01",
			want: map[handoff.FieldID]want{
				handoff.FieldAdvisory:         {"CVE-2026-1234", false},
				handoff.FieldAssetGroup:       {"payments-web fleet, OpenSSL 3.0.0-3.0.7, owner team-payments", false},
				handoff.FieldAffectedVersions: {"OpenSSL 3.0.0-3.0.7", false},
				handoff.FieldUrgencyDriver:    {"KEV listed, internet-facing", false},
				handoff.FieldLane:             {"patch now", false},
				handoff.FieldFixedVersion:     {"upgrade to OpenSSL 3.0.8 https://openssl.org/news/secadv", false},
				handoff.FieldPatchLink:        {"https://openssl.org/news/secadv", false},
				handoff.FieldWindow:           {"Sunday window", false},
				handoff.FieldTestPlan:         {"staging test", false},
				handoff.FieldRollback:         {"rollback via snapshot restore", false},
				handoff.FieldReboot:           {"reboot required", false},
				handoff.FieldCommunication:    {"notify support", false},
				handoff.FieldTemporaryControl: {"WAF rule", false},
				handoff.FieldSOCMonitoring:    {"SOC monitoring on exploit signatures", false},
				handoff.FieldVendorAsk:        {"vendor case 1234", false},
				handoff.FieldReviewDate:       {"2026-12-05", false},
				handoff.FieldClosureExpected:  {"version scan and deployment record", false},
				handoff.FieldOwner:            {"team-payments", false},
				handoff.FieldDeadline:         {"2026-12-01", false},
			},
		},
		{
			name: "owner handoff filled in on one line with sentence breaks",
			desc: "Patch owner handoff - CVE-2026-9999 Action requested: patch in window. Scope: intranet wiki, Confluence 8.5.1-8.5.3. Why this matters: not exploited, not exposed. Fix or workaround: 8.5.4. Deadline or window: December patch window. Change notes: test in staging; rollback: restore backup. If blocked: restrict access to VPN only. Closure evidence needed: Qualys rescan. Caveats: vendor advisory still draft.",
			want: map[handoff.FieldID]want{
				handoff.FieldAdvisory:         {"CVE-2026-9999", false},
				handoff.FieldLane:             {"patch in window", false},
				handoff.FieldProduct:          {"intranet wiki, Confluence 8.5.1-8.5.3", false},
				handoff.FieldAffectedVersions: {"Confluence 8.5.1-8.5.3", false},
				handoff.FieldUrgencyDriver:    {"not exploited, not exposed", false},
				handoff.FieldFixedVersion:     {"8.5.4", false},
				handoff.FieldWindow:           {"December patch window", false},
				handoff.FieldTestPlan:         {"test in staging", false},
				handoff.FieldRollback:         {"restore backup", false},
				handoff.FieldTemporaryControl: {"restrict access to VPN only", false},
				handoff.FieldClosureExpected:  {"Qualys rescan", false},
				handoff.FieldSourceConfidence: {"vendor advisory still draft", false},
			},
			absent: []handoff.FieldID{handoff.FieldDeadline},
		},
		{
			name: "messy Jira wiki paste: heading, bold labels, bullets, table, Cloud {*} markers, trailing signature",
			desc: handofftest.MessyWiki,
			want: map[handoff.FieldID]want{
				handoff.FieldAdvisory:         {"CVE-2026-4242", false},
				handoff.FieldLane:             {"Patch in window", false},
				handoff.FieldAssetGroup:       {"edge-proxy-prod (12 hosts)", false},
				handoff.FieldProduct:          {"nginx", false},
				handoff.FieldAffectedVersions: {"1.25.0 - 1.25.3", false},
				handoff.FieldUrgencyDriver:    {"exposed on the internet, EPSS 0.42, not in KEV", false},
				handoff.FieldFixedVersion:     {"Upgrade to 1.25.4 ([release notes|https://nginx.org/en/CHANGES])", false},
				handoff.FieldPatchLink:        {"https://nginx.org/en/CHANGES", false},
				handoff.FieldDeadline:         {"30/Nov/26", false},
				handoff.FieldWindow:           {"Next Sunday maintenance window, by 30/Nov/26", false},
				handoff.FieldTestPlan:         {"staging canary first", false},
				handoff.FieldRollback:         {"keep the previous AMI for 7 days", false},
				handoff.FieldTemporaryControl: {"[temporary control/SOC monitoring/exception owner/review date]", true},
				handoff.FieldClosureExpected:  {"scan from Tenable and the deployment record", false},
				handoff.FieldSourceConfidence: {"vendor ambiguity about 1.24 backport", false},
				handoff.FieldReviewDate:       {"2026-12-15", false},
			},
		},
		{
			name: "markdown: bold labels, list items, lower-case labels",
			desc: "## Patch plan - GHSA-abcd-efgh-ijkl\n\n- **Scope**: api-gateway, envoy 1.28.x\n- **urgency driver**: EPSS 0.9\n- **action lane**: Mitigation-first\n- **If blocked**: WAF virtual patch; SOC monitoring for exploit attempts; vendor ask: ETA for 1.28.5; review date 2026-12-10\n- **Current owner and due date**: platform-team (due 2026-12-20)\n",
			want: map[handoff.FieldID]want{
				handoff.FieldAdvisory:         {"GHSA-abcd-efgh-ijkl", false},
				handoff.FieldAffectedVersions: {"envoy 1.28.x", false},
				handoff.FieldUrgencyDriver:    {"EPSS 0.9", false},
				handoff.FieldLane:             {"Mitigation-first", false},
				handoff.FieldTemporaryControl: {"WAF virtual patch", false},
				handoff.FieldSOCMonitoring:    {"SOC monitoring for exploit attempts", false},
				handoff.FieldVendorAsk:        {"ETA for 1.28.5", false},
				handoff.FieldReviewDate:       {"2026-12-10", false},
				handoff.FieldOwner:            {"platform-team", false},
				handoff.FieldDeadline:         {"2026-12-20", false},
			},
		},
		{
			name: "wiki headings with the value on the next lines",
			desc: "h3. Scope\nbilling-db cluster\n\nh3. Action lane\nexception review\n\nh3. Closure proof needed\n* inventory export\n* owner attestation",
			want: map[handoff.FieldID]want{
				handoff.FieldAssetGroup:      {"billing-db cluster", false},
				handoff.FieldLane:            {"exception review", false},
				handoff.FieldClosureExpected: {"inventory export; owner attestation", false},
			},
		},
		{
			name: "single field lines only",
			desc: "Fixed version: 2.4.1\nRollback plan: redeploy 2.4.0 from the registry\nReview date: 2026-12-01\nExpiration: 2027-01-31\nResidual risk: low, internal only\nCompensating controls: mTLS between services\nPatched version: 2.4.1\nScan or inventory confirmation: Tenable scan 2026-11-28\n",
			want: map[handoff.FieldID]want{
				handoff.FieldFixedVersion:         {"2.4.1", false},
				handoff.FieldRollback:             {"redeploy 2.4.0 from the registry", false},
				handoff.FieldReviewDate:           {"2026-12-01", false},
				handoff.FieldExceptionExpiry:      {"2027-01-31", false},
				handoff.FieldResidualRisk:         {"low, internal only", false},
				handoff.FieldCompensatingControls: {"mTLS between services", false},
				handoff.FieldPatchedVersion:       {"2.4.1", false},
				handoff.FieldScanEvidence:         {"Tenable scan 2026-11-28", false},
			},
		},
		{
			name: "a field line wins over what a composite section implied",
			desc: "Change plan: rollback by snapshot, staging test\nRollback plan: blue/green switch back",
			want: map[handoff.FieldID]want{
				handoff.FieldRollback: {"blue/green switch back", false},
				handoff.FieldTestPlan: {"staging test", false},
			},
		},
		{
			name: "test scope inside change notes does not open a Scope section",
			desc: "Change notes: test scope: staging only, rollback: snapshot",
			want: map[handoff.FieldID]want{
				handoff.FieldTestPlan: {"staging only", false},
				handoff.FieldRollback: {"snapshot", false},
			},
			absent: []handoff.FieldID{handoff.FieldAssetGroup, handoff.FieldProduct},
		},
		{
			name: "partly filled: one placeholder left, the rest real",
			desc: "Patch plan - CVE-2026-1111\nScope: hr-portal, Tomcat 9.0.80\nFix path: [fixed version]\nAction lane: patch now\nCurrent owner and due date: [team/person, date]",
			want: map[handoff.FieldID]want{
				handoff.FieldAssetGroup:   {"hr-portal, Tomcat 9.0.80", false},
				handoff.FieldFixedVersion: {"[fixed version]", true},
				handoff.FieldLane:         {"patch now", false},
				handoff.FieldOwner:        {"[team/person, date]", true},
			},
		},
		{
			name: "TBD counts as unfilled",
			desc: "Rollback plan: TBD\nFixed version: ?",
			want: map[handoff.FieldID]want{
				handoff.FieldRollback:     {"TBD", true},
				handoff.FieldFixedVersion: {"?", true},
			},
		},
		{
			name: "owner and a due date that is not a date",
			desc: "Current owner and due date: team-x by end of sprint",
			want: map[handoff.FieldID]want{
				handoff.FieldOwner:    {"team-x", false},
				handoff.FieldDeadline: {"end of sprint", false},
			},
		},
		{
			name: "deadline or window with only a date",
			desc: "Deadline or window: 2026-12-01",
			want: map[handoff.FieldID]want{
				handoff.FieldDeadline: {"2026-12-01", false},
			},
			absent: []handoff.FieldID{handoff.FieldWindow},
		},
		{
			name: "scope with sub-labels",
			desc: "Scope: Product: Exchange Server; Versions: 2019 CU13, CU14; Assets: mail-01..mail-04; Business service: corporate email; Owner: messaging-team",
			want: map[handoff.FieldID]want{
				handoff.FieldProduct:          {"Exchange Server", false},
				handoff.FieldAffectedVersions: {"2019 CU13, CU14", false},
				handoff.FieldAssetGroup:       {"mail-01..mail-04", false},
				handoff.FieldBusinessService:  {"corporate email", false},
				handoff.FieldOwner:            {"messaging-team", false},
			},
		},
		{
			name: "links, mentions and checkboxes are not placeholders",
			desc: "Patch link: [vendor advisory|https://example.com/adv]\nOwner: [~jsmith]\nTesting scope: [x] smoke tests",
			want: map[handoff.FieldID]want{
				handoff.FieldPatchLink: {"[vendor advisory|https://example.com/adv]", false},
				handoff.FieldOwner:     {"[~jsmith]", false},
				handoff.FieldTestPlan:  {"[x] smoke tests", false},
			},
		},
		{
			name:   "prose without labels reads nothing but a CVE id",
			desc:   "Please patch the VPN appliances for CVE-2026-20001 as soon as possible. Thanks!",
			want:   map[handoff.FieldID]want{handoff.FieldAdvisory: {"CVE-2026-20001", false}},
			absent: []handoff.FieldID{handoff.FieldLane, handoff.FieldOwner, handoff.FieldFixedVersion},
		},
		{
			name: "a wiki panel titled like the template, then the real title",
			desc: "{panel:title=Patch plan}\nPatch plan - CVE-2026-5555\nAction lane: monitor\n{panel}",
			want: map[handoff.FieldID]want{
				handoff.FieldAdvisory: {"CVE-2026-5555", false},
				handoff.FieldLane:     {"monitor", false},
			},
		},
		{
			name: "CRLF line endings",
			desc: "Action lane: monitor\r\nReview trigger: KEV listing or PoC\r\n",
			want: map[handoff.FieldID]want{
				handoff.FieldLane:          {"monitor", false},
				handoff.FieldReviewTrigger: {"KEV listing or PoC", false},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Read(handoff.Input{Description: tc.desc})
			for id, w := range tc.want {
				v := h.Value(id)
				if v.Text != w.text || v.Unfilled != w.unfilled {
					t.Errorf("%s = %q (unfilled %v); want %q (unfilled %v)", id, v.Text, v.Unfilled, w.text, w.unfilled)
				}
				if v.From != handoff.SourceDescription && id != handoff.FieldAdvisory {
					t.Errorf("%s: From = %v, want SourceDescription", id, v.From)
				}
			}
			for _, id := range tc.absent {
				if v := h.Value(id); v.Text != "" {
					t.Errorf("%s = %q, want nothing", id, v.Text)
				}
			}
		})
	}
}

func TestIsPlaceholder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"[fixed version]", true},
		{"[date/window/review trigger]", true},
		{"[team/person, date]", true},
		{"Patch [asset group/product] to 2.4.1", true},
		{"<fixed version>", true},
		{"TBD", true},
		{"tbc.", true},
		{"...", true},
		{"2.4.1", false},
		{"[CVE-2026-1234]", false},
		{"[release notes|https://x.example]", false},
		{"[~jsmith]", false},
		{"[^scan.pdf]", false},
		{"[link](https://x.example)", false},
		{"[x] done", false},
		{"[Sunday window]", false},
		{"versions < 3.0.8", false},
		{"<https://x.example>", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := isPlaceholder(tc.in); got != tc.want {
				t.Errorf("isPlaceholder(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseDescriptionBounded(t *testing.T) {
	t.Parallel()
	big := "Rollback plan: " + strings.Repeat("x", 2*maxDescription) + "\nFixed version: 2.4.1"
	h := Read(handoff.Input{Description: big})
	if h.Fix.FixedVersion.Present() {
		t.Error("read a label beyond the description bound")
	}
	if len(h.Change.Rollback.Text) > maxDescription {
		t.Errorf("rollback text is %d bytes, beyond the bound", len(h.Change.Rollback.Text))
	}
}
