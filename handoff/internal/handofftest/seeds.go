package handofftest

const SeedPatchPlan = "Patch plan - [CVE/advisory] Scope: [assets, products, versions, business service, owner] Urgency driver: [KEV, exploitation, exposure, EPSS, business criticality, deadline] Action lane: [patch now / planned window / mitigate first / monitor / exception / needs review] Fix path: [fixed version, patch link, workaround, config, supersedence note] Change plan: [window, test scope, reboot, dependencies, rollback, communication] If blocked: [temporary control, SOC monitoring, exception owner, vendor ask, review date] Closure proof needed: [version, deployment, scan, inventory, owner validation, exceptions] Current owner and due date: [team/person, date]"

const SeedOwnerHandoff = "Patch owner handoff - [CVE/advisory] Action requested: [patch now/patch in window/validate affected status/mitigate/exception review]. Scope: [assets/products/versions/owners]. Why this matters: [KEV/exploited/high EPSS/exposure/business criticality/source confidence]. Fix or workaround: [fixed version/patch link/mitigation/configuration]. Deadline or window: [date/window/review trigger]. Change notes: [testing/rollback/reboot/dependencies/known issues]. If blocked: [temporary control/SOC monitoring/exception owner/review date]. Closure evidence needed: [version proof/deployment record/scan/inventory/attestation]. Caveats: [unknown affected status/vendor ambiguity/source confidence/not proof of compromise]."

const MessyWiki = `h2. Patch owner handoff - CVE-2026-4242

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
