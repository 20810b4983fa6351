package handoff

import (
	"strings"
	"testing"
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
		want   map[FieldID]want
		absent []FieldID
	}{
		{
			name: "patch plan template pasted unfilled, one line as the seed prints it",
			desc: seedPatchPlan,
			want: map[FieldID]want{
				FieldAdvisory:         {"[CVE/advisory]", true},
				FieldAssetGroup:       {"[assets, products, versions, business service, owner]", true},
				FieldAffectedVersions: {"[assets, products, versions, business service, owner]", true},
				FieldUrgencyDriver:    {"[KEV, exploitation, exposure, EPSS, business criticality, deadline]", true},
				FieldLane:             {"[patch now / planned window / mitigate first / monitor / exception / needs review]", true},
				FieldFixedVersion:     {"[fixed version, patch link, workaround, config, supersedence note]", true},
				FieldRollback:         {"[window, test scope, reboot, dependencies, rollback, communication]", true},
				FieldTemporaryControl: {"[temporary control, SOC monitoring, exception owner, vendor ask, review date]", true},
				FieldClosureExpected:  {"[version, deployment, scan, inventory, owner validation, exceptions]", true},
				FieldOwner:            {"[team/person, date]", true},
				FieldDeadline:         {"[team/person, date]", true},
			},
		},
		{
			name: "owner handoff template pasted unfilled, one line",
			desc: seedOwnerHandoff,
			want: map[FieldID]want{
				FieldLane:             {"[patch now/patch in window/validate affected status/mitigate/exception review]", true},
				FieldProduct:          {"[assets/products/versions/owners]", true},
				FieldUrgencyDriver:    {"[KEV/exploited/high EPSS/exposure/business criticality/source confidence]", true},
				FieldFixedVersion:     {"[fixed version/patch link/mitigation/configuration]", true},
				FieldDeadline:         {"[date/window/review trigger]", true},
				FieldWindow:           {"[date/window/review trigger]", true},
				FieldTestPlan:         {"[testing/rollback/reboot/dependencies/known issues]", true},
				FieldSOCMonitoring:    {"[temporary control/SOC monitoring/exception owner/review date]", true},
				FieldClosureExpected:  {"[version proof/deployment record/scan/inventory/attestation]", true},
				FieldSourceConfidence: {"[unknown affected status/vendor ambiguity/source confidence/not proof of compromise]", true},
			},
		},
		{
			name: "patch plan filled in on one line",
			desc: "Patch plan - CVE-2026-1234 Scope: payments-web fleet, OpenSSL 3.0.0-3.0.7, owner team-payments Urgency driver: KEV listed, internet-facing Action lane: patch now Fix path: upgrade to OpenSSL 3.0.8 https://openssl.org/news/secadv Change plan: Sunday window, staging test, rollback via snapshot restore, reboot required, notify support If blocked: WAF rule, SOC monitoring on exploit signatures, vendor case 1234, review 2026-12-05 Closure proof needed: version scan and deployment record Current owner and due date: team-payments, 2026-12-01",
			want: map[FieldID]want{
				FieldAdvisory:         {"CVE-2026-1234", false},
				FieldAssetGroup:       {"payments-web fleet, OpenSSL 3.0.0-3.0.7, owner team-payments", false},
				FieldAffectedVersions: {"OpenSSL 3.0.0-3.0.7", false},
				FieldUrgencyDriver:    {"KEV listed, internet-facing", false},
				FieldLane:             {"patch now", false},
				FieldFixedVersion:     {"upgrade to OpenSSL 3.0.8 https://openssl.org/news/secadv", false},
				FieldPatchLink:        {"https://openssl.org/news/secadv", false},
				FieldWindow:           {"Sunday window", false},
				FieldTestPlan:         {"staging test", false},
				FieldRollback:         {"rollback via snapshot restore", false},
				FieldReboot:           {"reboot required", false},
				FieldCommunication:    {"notify support", false},
				FieldTemporaryControl: {"WAF rule", false},
				FieldSOCMonitoring:    {"SOC monitoring on exploit signatures", false},
				FieldVendorAsk:        {"vendor case 1234", false},
				FieldReviewDate:       {"2026-12-05", false},
				FieldClosureExpected:  {"version scan and deployment record", false},
				FieldOwner:            {"team-payments", false},
				FieldDeadline:         {"2026-12-01", false},
			},
		},
		{
			name: "owner handoff filled in on one line with sentence breaks",
			desc: "Patch owner handoff - CVE-2026-9999 Action requested: patch in window. Scope: intranet wiki, Confluence 8.5.1-8.5.3. Why this matters: not exploited, not exposed. Fix or workaround: 8.5.4. Deadline or window: December patch window. Change notes: test in staging; rollback: restore backup. If blocked: restrict access to VPN only. Closure evidence needed: Qualys rescan. Caveats: vendor advisory still draft.",
			want: map[FieldID]want{
				FieldAdvisory:         {"CVE-2026-9999", false},
				FieldLane:             {"patch in window", false},
				FieldProduct:          {"intranet wiki, Confluence 8.5.1-8.5.3", false},
				FieldAffectedVersions: {"Confluence 8.5.1-8.5.3", false},
				FieldUrgencyDriver:    {"not exploited, not exposed", false},
				FieldFixedVersion:     {"8.5.4", false},
				FieldWindow:           {"December patch window", false},
				FieldTestPlan:         {"test in staging", false},
				FieldRollback:         {"restore backup", false},
				FieldTemporaryControl: {"restrict access to VPN only", false},
				FieldClosureExpected:  {"Qualys rescan", false},
				FieldSourceConfidence: {"vendor advisory still draft", false},
			},
			absent: []FieldID{FieldDeadline},
		},
		{
			name: "messy Jira wiki paste: heading, bold labels, bullets, table, Cloud {*} markers, trailing signature",
			desc: messyWiki,
			want: map[FieldID]want{
				FieldAdvisory:         {"CVE-2026-4242", false},
				FieldLane:             {"Patch in window", false},
				FieldAssetGroup:       {"edge-proxy-prod (12 hosts)", false},
				FieldProduct:          {"nginx", false},
				FieldAffectedVersions: {"1.25.0 - 1.25.3", false},
				FieldUrgencyDriver:    {"exposed on the internet, EPSS 0.42, not in KEV", false},
				FieldFixedVersion:     {"Upgrade to 1.25.4 ([release notes|https://nginx.org/en/CHANGES])", false},
				FieldPatchLink:        {"https://nginx.org/en/CHANGES", false},
				FieldDeadline:         {"30/Nov/26", false},
				FieldWindow:           {"Next Sunday maintenance window, by 30/Nov/26", false},
				FieldTestPlan:         {"staging canary first", false},
				FieldRollback:         {"keep the previous AMI for 7 days", false},
				FieldTemporaryControl: {"[temporary control/SOC monitoring/exception owner/review date]", true},
				FieldClosureExpected:  {"scan from Tenable and the deployment record", false},
				FieldSourceConfidence: {"vendor ambiguity about 1.24 backport", false},
				FieldReviewDate:       {"2026-12-15", false},
			},
		},
		{
			name: "markdown: bold labels, list items, lower-case labels",
			desc: "## Patch plan - GHSA-abcd-efgh-ijkl\n\n- **Scope**: api-gateway, envoy 1.28.x\n- **urgency driver**: EPSS 0.9\n- **action lane**: Mitigation-first\n- **If blocked**: WAF virtual patch; SOC monitoring for exploit attempts; vendor ask: ETA for 1.28.5; review date 2026-12-10\n- **Current owner and due date**: platform-team (due 2026-12-20)\n",
			want: map[FieldID]want{
				FieldAdvisory:         {"GHSA-abcd-efgh-ijkl", false},
				FieldAffectedVersions: {"envoy 1.28.x", false},
				FieldUrgencyDriver:    {"EPSS 0.9", false},
				FieldLane:             {"Mitigation-first", false},
				FieldTemporaryControl: {"WAF virtual patch", false},
				FieldSOCMonitoring:    {"SOC monitoring for exploit attempts", false},
				FieldVendorAsk:        {"ETA for 1.28.5", false},
				FieldReviewDate:       {"2026-12-10", false},
				FieldOwner:            {"platform-team", false},
				FieldDeadline:         {"2026-12-20", false},
			},
		},
		{
			name: "wiki headings with the value on the next lines",
			desc: "h3. Scope\nbilling-db cluster\n\nh3. Action lane\nexception review\n\nh3. Closure proof needed\n* inventory export\n* owner attestation",
			want: map[FieldID]want{
				FieldAssetGroup:      {"billing-db cluster", false},
				FieldLane:            {"exception review", false},
				FieldClosureExpected: {"inventory export; owner attestation", false},
			},
		},
		{
			name: "single field lines only",
			desc: "Fixed version: 2.4.1\nRollback plan: redeploy 2.4.0 from the registry\nReview date: 2026-12-01\nExpiration: 2027-01-31\nResidual risk: low, internal only\nCompensating controls: mTLS between services\nPatched version: 2.4.1\nScan or inventory confirmation: Tenable scan 2026-11-28\n",
			want: map[FieldID]want{
				FieldFixedVersion:         {"2.4.1", false},
				FieldRollback:             {"redeploy 2.4.0 from the registry", false},
				FieldReviewDate:           {"2026-12-01", false},
				FieldExceptionExpiry:      {"2027-01-31", false},
				FieldResidualRisk:         {"low, internal only", false},
				FieldCompensatingControls: {"mTLS between services", false},
				FieldPatchedVersion:       {"2.4.1", false},
				FieldScanEvidence:         {"Tenable scan 2026-11-28", false},
			},
		},
		{
			name: "a field line wins over what a composite section implied",
			desc: "Change plan: rollback by snapshot, staging test\nRollback plan: blue/green switch back",
			want: map[FieldID]want{
				FieldRollback: {"blue/green switch back", false},
				FieldTestPlan: {"staging test", false},
			},
		},
		{
			name: "test scope inside change notes does not open a Scope section",
			desc: "Change notes: test scope: staging only, rollback: snapshot",
			want: map[FieldID]want{
				FieldTestPlan: {"staging only", false},
				FieldRollback: {"snapshot", false},
			},
			absent: []FieldID{FieldAssetGroup, FieldProduct},
		},
		{
			name: "partly filled: one placeholder left, the rest real",
			desc: "Patch plan - CVE-2026-1111\nScope: hr-portal, Tomcat 9.0.80\nFix path: [fixed version]\nAction lane: patch now\nCurrent owner and due date: [team/person, date]",
			want: map[FieldID]want{
				FieldAssetGroup:   {"hr-portal, Tomcat 9.0.80", false},
				FieldFixedVersion: {"[fixed version]", true},
				FieldLane:         {"patch now", false},
				FieldOwner:        {"[team/person, date]", true},
			},
		},
		{
			name: "TBD counts as unfilled",
			desc: "Rollback plan: TBD\nFixed version: ?",
			want: map[FieldID]want{
				FieldRollback:     {"TBD", true},
				FieldFixedVersion: {"?", true},
			},
		},
		{
			name: "owner and a due date that is not a date",
			desc: "Current owner and due date: team-x by end of sprint",
			want: map[FieldID]want{
				FieldOwner:    {"team-x", false},
				FieldDeadline: {"end of sprint", false},
			},
		},
		{
			name: "deadline or window with only a date",
			desc: "Deadline or window: 2026-12-01",
			want: map[FieldID]want{
				FieldDeadline: {"2026-12-01", false},
			},
			absent: []FieldID{FieldWindow},
		},
		{
			name: "scope with sub-labels",
			desc: "Scope: Product: Exchange Server; Versions: 2019 CU13, CU14; Assets: mail-01..mail-04; Business service: corporate email; Owner: messaging-team",
			want: map[FieldID]want{
				FieldProduct:          {"Exchange Server", false},
				FieldAffectedVersions: {"2019 CU13, CU14", false},
				FieldAssetGroup:       {"mail-01..mail-04", false},
				FieldBusinessService:  {"corporate email", false},
				FieldOwner:            {"messaging-team", false},
			},
		},
		{
			name: "links, mentions and checkboxes are not placeholders",
			desc: "Patch link: [vendor advisory|https://example.com/adv]\nOwner: [~jsmith]\nTesting scope: [x] smoke tests",
			want: map[FieldID]want{
				FieldPatchLink: {"[vendor advisory|https://example.com/adv]", false},
				FieldOwner:     {"[~jsmith]", false},
				FieldTestPlan:  {"[x] smoke tests", false},
			},
		},
		{
			name:   "prose without labels reads nothing but a CVE id",
			desc:   "Please patch the VPN appliances for CVE-2026-20001 as soon as possible. Thanks!",
			want:   map[FieldID]want{FieldAdvisory: {"CVE-2026-20001", false}},
			absent: []FieldID{FieldLane, FieldOwner, FieldFixedVersion},
		},
		{
			name: "a wiki panel titled like the template, then the real title",
			desc: "{panel:title=Patch plan}\nPatch plan - CVE-2026-5555\nAction lane: monitor\n{panel}",
			want: map[FieldID]want{
				FieldAdvisory: {"CVE-2026-5555", false},
				FieldLane:     {"monitor", false},
			},
		},
		{
			name: "CRLF line endings",
			desc: "Action lane: monitor\r\nReview trigger: KEV listing or PoC\r\n",
			want: map[FieldID]want{
				FieldLane:          {"monitor", false},
				FieldReviewTrigger: {"KEV listing or PoC", false},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := Read(Input{Description: tc.desc})
			for id, w := range tc.want {
				v := h.Value(id)
				if v.Text != w.text || v.Unfilled != w.unfilled {
					t.Errorf("%s = %q (unfilled %v); want %q (unfilled %v)", id, v.Text, v.Unfilled, w.text, w.unfilled)
				}
				if v.From != SourceDescription && id != FieldAdvisory {
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
	h := Read(Input{Description: big})
	if h.Fix.FixedVersion.Present() {
		t.Error("read a label beyond the description bound")
	}
	if len(h.Change.Rollback.Text) > maxDescription {
		t.Errorf("rollback text is %d bytes, beyond the bound", len(h.Change.Rollback.Text))
	}
}

// The seeds' copy templates, exactly as printed.
const (
	seedPatchPlan    = "Patch plan - [CVE/advisory] Scope: [assets, products, versions, business service, owner] Urgency driver: [KEV, exploitation, exposure, EPSS, business criticality, deadline] Action lane: [patch now / planned window / mitigate first / monitor / exception / needs review] Fix path: [fixed version, patch link, workaround, config, supersedence note] Change plan: [window, test scope, reboot, dependencies, rollback, communication] If blocked: [temporary control, SOC monitoring, exception owner, vendor ask, review date] Closure proof needed: [version, deployment, scan, inventory, owner validation, exceptions] Current owner and due date: [team/person, date]"
	seedOwnerHandoff = "Patch owner handoff - [CVE/advisory] Action requested: [patch now/patch in window/validate affected status/mitigate/exception review]. Scope: [assets/products/versions/owners]. Why this matters: [KEV/exploited/high EPSS/exposure/business criticality/source confidence]. Fix or workaround: [fixed version/patch link/mitigation/configuration]. Deadline or window: [date/window/review trigger]. Change notes: [testing/rollback/reboot/dependencies/known issues]. If blocked: [temporary control/SOC monitoring/exception owner/review date]. Closure evidence needed: [version proof/deployment record/scan/inventory/attestation]. Caveats: [unknown affected status/vendor ambiguity/source confidence/not proof of compromise]."
	messyWiki        = `h2. Patch owner handoff - CVE-2026-4242

*Action requested:* Patch in window.
*Scope:*
* Assets: edge-proxy-prod (12 hosts)
* Product: nginx
* Versions: 1.25.0 - 1.25.3
**Why this matters**: exposed on the internet, EPSS 0.42, not in KEV

||Field||Value||
|*Fix or workaround*|Upgrade to 1.25.4 ([release notes|https://nginx.org/en/CHANGES])|
|Deadline or window|Next Sunday maintenance window, by 30/Nov/26|

{*}Change notes:{*} test scope: staging canary first; Rollback: redeploy previous image; no reboot
If blocked: [temporary control/SOC monitoring/exception owner/review date]
# Closure evidence needed: scan from Tenable and the deployment record
# Caveats: vendor ambiguity about 1.24 backport

Review date: 2026-12-15
Rollback plan: keep the previous AMI for 7 days

Thanks, Alice`
)
