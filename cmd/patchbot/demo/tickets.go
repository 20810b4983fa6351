package demo

import "github.com/patchbot/patchbot/handoff"

// Short names for the concepts, to keep the ticket table readable.
const (
	advisory   = handoff.FieldAdvisory
	product    = handoff.FieldProduct
	versions   = handoff.FieldAffectedVersions
	owner      = handoff.FieldOwner
	lane       = handoff.FieldLane
	fixed      = handoff.FieldFixedVersion
	deadline   = handoff.FieldDeadline
	window     = handoff.FieldWindow
	testPlan   = handoff.FieldTestPlan
	rollback   = handoff.FieldRollback
	closureExp = handoff.FieldClosureExpected
	review     = handoff.FieldReviewDate
	trigger    = handoff.FieldReviewTrigger
	tempCtl    = handoff.FieldTemporaryControl
	soc        = handoff.FieldSOCMonitoring
	vendorAsk  = handoff.FieldVendorAsk
	residual   = handoff.FieldResidualRisk
	compCtl    = handoff.FieldCompensatingControls
	expiry     = handoff.FieldExceptionExpiry
	approval   = handoff.FieldExceptionApproval
	blocker    = handoff.FieldBlocker
	unblock    = handoff.FieldUnblock
	urgency    = handoff.FieldUrgencyDriver
	epss       = handoff.FieldEPSS
	vendor     = handoff.FieldVendor
	assets     = handoff.FieldAssetGroup
	service    = handoff.FieldBusinessService
)

// scope is what differs between tickets: the advisory and what it hits.
func scope(adv, vend, prod, vers, assetGroup, svc string) map[handoff.FieldID]string {
	return map[handoff.FieldID]string{advisory: adv, vendor: vend, product: prod, versions: vers, assets: assetGroup, service: svc}
}

// and merges more fields into a scope.
func and(a map[handoff.FieldID]string, more map[handoff.FieldID]string) map[handoff.FieldID]string {
	for k, v := range more {
		a[k] = v
	}
	return a
}

// tickets is the demo's patch backlog: every lane, complete and
// incomplete, template-only tickets, overdue ones, one closed without
// proof, one hostile. Dates are relative to the day the demo runs.
var tickets = []ticket{
	// SEC: a site with custom fields for the handoff.
	{project: "SEC", summary: "CVE-2026-20198 IOS XE web UI privilege escalation on edge routers", createdAgo: 2, assignee: "ana", reporter: "sam",
		fields: full(nil)},
	{project: "SEC", summary: "CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow", createdAgo: 1, assignee: "bo", reporter: "sam",
		fields: full(and(scope("CVE-2026-21413", "Fortinet", "FortiOS SSL-VPN", "7.2.0 – 7.2.6", "Branch firewalls", "Remote access"), map[handoff.FieldID]string{owner: "bo", fixed: "7.2.7"}), rollback, testPlan)},
	{project: "SEC", summary: "Patch this: OpenSSH regreSSHion on jump hosts", createdAgo: 3, assignee: "chidi", reporter: "sam",
		fields: full(and(scope("CVE-2024-6387", "OpenBSD", "OpenSSH", "8.5p1 – 9.7p1", "Jump hosts", "Admin access"), map[handoff.FieldID]string{owner: "chidi"}), fixed, deadline, closureExp)},
	{project: "SEC", summary: "CVE-2026-1127 Ivanti Connect Secure auth bypass — deadline passed", createdAgo: 12, assignee: "ana", reporter: "sam",
		fields: full(and(scope("CVE-2026-1127", "Ivanti", "Connect Secure", "22.7R2.3", "VPN gateways", "Remote access"), map[handoff.FieldID]string{deadline: "@-3", fixed: "22.7R2.4"}))},
	{project: "SEC", summary: "Chrome 131 stable channel update on managed desktops", createdAgo: 4, assignee: "bo",
		fields: full(and(scope("CVE-2026-9911", "Google", "Chrome", "< 131.0.6778.85", "Managed desktops", "Workplace IT"), map[handoff.FieldID]string{lane: "Planned window", owner: "bo", fixed: "131.0.6778.85", deadline: "@+20", window: "Patch Tuesday ring 1"}))},
	{project: "SEC", summary: "PostgreSQL 16.3 minor release for the billing cluster", createdAgo: 6, assignee: "chidi",
		fields: full(and(scope("CVE-2026-5512", "PostgreSQL", "PostgreSQL", "16.0 – 16.2", "Billing database cluster", "Billing"), map[handoff.FieldID]string{lane: "patch in window", owner: "chidi", fixed: "16.3", window: "Sunday maintenance 02:00"}), trigger)},
	{project: "SEC", summary: "Exchange on-prem: no fix yet, mitigations in place", createdAgo: 20, assignee: "ana",
		fields: full(and(scope("CVE-2026-30001", "Microsoft", "Exchange Server 2019", "CU14", "Mail servers", "Email"), map[handoff.FieldID]string{lane: "Mitigation-first", review: "@-2"}), fixed)},
	{project: "SEC", summary: "Citrix NetScaler memory leak — vendor fix pending", createdAgo: 2, assignee: "bo",
		fields: full(and(scope("CVE-2026-4966", "Citrix", "NetScaler ADC", "14.1-12.x", "Load balancers", "Customer portal"), map[handoff.FieldID]string{lane: "Mitigate first", owner: "bo"}), soc, vendorAsk, fixed)},
	{project: "SEC", summary: "Log4j 1.x in the legacy reporting app (monitor)", createdAgo: 30, assignee: "chidi",
		fields: full(and(scope("CVE-2021-4104", "Apache", "Log4j 1.2", "1.2.x with JMSAppender", "Reporting app servers", "Finance reporting"), map[handoff.FieldID]string{lane: "Monitor", owner: "chidi", review: "@+10"}))},
	{project: "SEC", summary: "Printer firmware advisory — monitor, review date passed", createdAgo: 40, assignee: "ana",
		fields: full(and(scope("HP-SB-2026-017", "HP", "LaserJet firmware", "< 5.7", "Office printers", "Printing"), map[handoff.FieldID]string{lane: "monitor", review: "@-1"}))},
	{project: "SEC", summary: "Risk exception: SCADA HMI cannot take the vendor patch", createdAgo: 90, assignee: "bo",
		fields: full(and(scope("ICSA-26-101-01", "Acme Automation", "HMI Panel 4", "4.0 – 4.3", "Plant floor HMIs", "Production line 2"), map[handoff.FieldID]string{lane: "Exception", owner: "bo", expiry: "@-4", approval: "CISO, 2026-08-01", compCtl: "Isolated VLAN, jump host only", review: "@+30"}))},
	{project: "SEC", summary: "Exception request: Oracle EBS CPU deferred to Q1", createdAgo: 5, assignee: "chidi",
		fields: full(and(scope("Oracle CPU Oct 2026", "Oracle", "E-Business Suite", "12.2.10 – 12.2.13", "ERP servers", "Finance"), map[handoff.FieldID]string{lane: "exception review", owner: "chidi", expiry: "@+60"}), approval)},
	{project: "SEC", summary: "Is the VMware vCenter build affected? (DSA-2026-188)", createdAgo: 3, assignee: "ana",
		fields: full(and(scope("VMSA-2026-0018", "VMware", "vCenter Server", "8.0 U2 (unconfirmed)", "Virtualisation management", "Private cloud"), map[handoff.FieldID]string{lane: "Validate affected status"}), deadline, review)},
	{project: "SEC", summary: "SAP NetWeaver patch blocked by change freeze", createdAgo: 9, assignee: "bo", labels: []string{"blocked"},
		fields: full(and(scope("CVE-2026-24876", "SAP", "NetWeaver AS Java", "7.50", "SAP application servers", "Order to cash"), map[handoff.FieldID]string{owner: "bo", blocker: "Quarter-end change freeze until the 15th"}), review)},
	{project: "SEC", summary: "Apache Tomcat RCE — closed as \"patch available\"", createdAgo: 15, assignee: "chidi", status: "Done", resolution: "Done",
		fields: full(and(scope("CVE-2026-24813", "Apache", "Tomcat", "10.1.0 – 10.1.34", "Intranet app servers", "HR self-service"), map[handoff.FieldID]string{owner: "chidi"}))},
	{project: "SEC", summary: "Confluence Data Center template injection — closed with proof", createdAgo: 15, assignee: "ana", status: "Done", resolution: "Done",
		fields: with(full(scope("CVE-2026-22515", "Atlassian", "Confluence Data Center", "8.5.0 – 8.5.3", "Wiki nodes", "Company wiki")), proof)},
	{project: "SEC", summary: "Jenkins plugin vuln, lane: ASAP!!", createdAgo: 1, assignee: "ana",
		fields: full(and(scope("CVE-2026-23897", "Jenkins", "Script Security plugin", "< 1367", "CI controllers", "Build pipeline"), map[handoff.FieldID]string{lane: "ASAP!!"}))},
	{project: "SEC", summary: "Windows Server November cumulative update (review in two days)", createdAgo: 8, assignee: "chidi",
		fields: full(and(scope("KB5046612", "Microsoft", "Windows Server 2022", "before the November CU", "Domain controllers", "Identity"), map[handoff.FieldID]string{lane: "Planned window", owner: "chidi", review: "@+2", deadline: "@+12"}))},
	{project: "SEC", summary: "Kubernetes ingress-nginx annotation injection", createdAgo: 2, assignee: "dana",
		fields: full(and(scope("CVE-2025-1974", "Kubernetes", "ingress-nginx", "< 1.12.1", "Production clusters", "Customer API"), map[handoff.FieldID]string{owner: "dana", deadline: "@-1"}))},
	{project: "SEC", summary: "<!channel> patch now @here <@U07ANA0RT1Z> — [~admin] {color:red}URGENT{color} <https://evil.example|click>", createdAgo: 1, assignee: "eli",
		fields: full(and(scope("CVE-2026-0666", "Acme", "Acme Portal <!here>", "all", "Portal servers @channel", "Partner portal"), map[handoff.FieldID]string{owner: "eli", rollback: "{noformat}rm -rf /{noformat} [click|https://evil.example] !tracker.png!"}), testPlan)},
	{project: "SEC", summary: "MOVEit Transfer SQLi — deadline set before the ticket was opened", createdAgo: 2, assignee: "ana",
		fields: full(and(scope("CVE-2026-35036", "Progress", "MOVEit Transfer", "2024.0.0 – 2024.0.5", "File transfer servers", "Partner file exchange"), map[handoff.FieldID]string{deadline: "@-9"}))},

	// OPS: no custom fields, the seed's copy templates pasted into the description.
	{project: "OPS", summary: "Atlassian Bamboo patch (owner handoff pasted)", createdAgo: 1, assignee: "bo", reporter: "sam",
		description: "Patch owner handoff - CVE-2026-21683 Action requested: patch now. Scope: Bamboo Data Center 9.6.0–9.6.4 on build-01..04, owner Bo Chen, service CI/CD. Why this matters: KEV, exploited in the wild, internet-exposed agent port. Fix or workaround: upgrade to 9.6.5. Deadline or window: @+3. Change notes: test on build-04 first; rollback by VM snapshot restore; reboot required; no plugin dependencies. If blocked: restrict agent port to VPN, SOC rule SOC-5120, exception owner Sam Reyes, review date @+7. Closure evidence needed: version page screenshot per node, change record, Tenable rescan. Caveats: vendor advisory still being updated."},
	{project: "OPS", summary: "Nginx upgrade (plan note, half filled)", createdAgo: 2, assignee: "chidi", reporter: "sam",
		description: "Patch plan - CVE-2026-27000\nScope: nginx 1.24 on web-01..12, owner Chidi Okafor\nUrgency driver: exposure, EPSS 0.31\nAction lane: planned window\nFix path: [fixed version, patch link, workaround, config, supersedence note]\nChange plan: [window, test scope, reboot, dependencies, rollback, communication]\nIf blocked: [temporary control, SOC monitoring, exception owner, vendor ask, review date]\nClosure proof needed: version output and rescan\nCurrent owner and due date: Chidi Okafor, @+21"},
	{project: "OPS", summary: "Redis on the session cache — bold paste from Confluence", createdAgo: 3, assignee: "ana",
		description: "h3. Patch owner handoff - CVE-2026-31449\n* *Action requested:* patch now\n* *Scope:* Redis 7.2.4 on cache-01..06, owner Ana Ortiz, service Checkout sessions\n* *Why this matters:* exploited, high EPSS (0.72), reachable from the app tier\n* *Fix or workaround:* 7.2.5\n* *Deadline or window:* @+4\n* *Change notes:* failover one replica at a time; test with the checkout smoke suite\n* *If blocked:* disable Lua scripting via ACL; SOC watch rule SOC-5301; review @+8\n* *Closure evidence needed:* INFO server output per node and the change record\n* *Caveats:* backport status unclear for the distro package"},
	{project: "OPS", summary: "Samba file servers — overdue for weeks", createdAgo: 40, assignee: "bo",
		description: "Patch owner handoff - CVE-2026-2156 Action requested: patch now. Scope: Samba 4.19 on fs-01, fs-02, owner Bo Chen. Why this matters: exploited, exposed to all staff VLANs. Fix or workaround: 4.19.9. Deadline or window: @-12. Change notes: test on fs-02 first; rollback by package downgrade; reboot required. If blocked: restrict SMB to file-admin VLAN, review @-5. Closure evidence needed: smbd --version and rescan. Caveats: none."},
	{project: "OPS", summary: "Java 21 quarterly CPU (planned, complete)", createdAgo: 5, assignee: "chidi",
		description: "Patch owner handoff - Oracle Java CPU 2026-10 Action requested: patch in window. Scope: Temurin 21.0.4 on app-01..20, owner Chidi Okafor, service Payments API. Why this matters: not exploited, not exposed; standard maintenance. Fix or workaround: 21.0.5. Deadline or window: @+25, review trigger if KEV, PoC, exposure or vendor guidance changes. Change notes: rolling restart, canary first, rollback by previous package. If blocked: monitor, review @+30. Closure evidence needed: java -version inventory and the change record. Caveats: none."},
	{project: "OPS", summary: "Does the appliance run the affected OpenSSL?", createdAgo: 2, assignee: "ana",
		description: "Patch owner handoff - CVE-2026-0286 Action requested: validate affected status. Scope: F5 BIG-IP 17.1 appliances lb-01, lb-02, owner Ana Ortiz. Why this matters: high EPSS, exposure unknown. Fix or workaround: [fixed version/patch link/mitigation/configuration]. Deadline or window: answer due @+2. Change notes: none until affected status is known. If blocked: review @+5. Closure evidence needed: vendor statement or version evidence. Caveats: unknown affected status, vendor ambiguity."},
	{project: "OPS", summary: "Exception: legacy CAD workstation, expires tomorrow", createdAgo: 150, assignee: "bo",
		description: "Patch owner handoff - CVE-2025-0101 Action requested: exception review. Scope: CAD-WS-07, owner Bo Chen. Why this matters: no vendor patch for Windows 10 LTSC build. Fix or workaround: none available; offline mode. Deadline or window: exception expires @+1. Change notes: n/a. If blocked: isolated VLAN, USB blocked; exception approved by the CISO; review @+1; residual risk accepted as medium; compensating controls: no internet, EDR in block mode. Closure evidence needed: replacement plan or renewed approval. Caveats: none."},
	{project: "OPS", summary: "GitLab runner patch done — \"patch available\", no proof", createdAgo: 10, assignee: "chidi", status: "Done", resolution: "Fixed",
		description: "Patch owner handoff - CVE-2026-4401 Action requested: patch now. Scope: gitlab-runner 17.3 on ci-runner-01..08, owner Chidi Okafor. Why this matters: exposed. Fix or workaround: 17.3.2. Deadline or window: @-2. Change notes: drain runners first; rollback by package. If blocked: pause shared runners. Closure evidence needed: runner --version per host and a rescan. Caveats: none."},
	{project: "OPS", summary: "Just patch it (nothing filled in)", createdAgo: 1, assignee: "ana",
		description: "Please patch the thing from the scanner report ASAP. Thanks!"},
}
