#!/usr/bin/env python3
"""Writes examples/templates/broken/: the bundled templates, each broken one way, and
examples/templates/expected.txt, the verdict each template gives — alone (a new resource
group) or over examples/healthy-system-identity (the environment they land in). A test runs
every line. Run after editing the healthy templates:
    python3 scripts/gen-template-examples.py
"""
import copy, json, os

ROOT = os.path.join(os.path.dirname(__file__), "..", "examples", "templates")
BROKEN = os.path.join(ROOT, "broken")


def load(name):
    with open(os.path.join(ROOT, name)) as f:
        return json.load(f)


def write(name, value):
    os.makedirs(BROKEN, exist_ok=True)
    with open(os.path.join(BROKEN, name), "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def resource(template, kind):
    return next(r for r in template["resources"] if r["type"] == kind)


uami = load("user-assigned-identity.json")
creds = load("credentials.json")

# TPL-003 / IAM-001: the identity's principalId where its clientId belongs.
t = copy.deepcopy(uami)
resource(t, "Microsoft.Web/sites")["properties"]["siteConfig"]["acrUserManagedIdentityID"] = (
    "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '2023-01-31').principalId]")
write("user-assigned-identity-principal-id.json", t)

# TPL-001: the site's new system-assigned identity pulls, and nothing grants it AcrPull.
t = copy.deepcopy(uami)
site = resource(t, "Microsoft.Web/sites")
site["identity"] = {"type": "SystemAssigned"}
del site["properties"]["siteConfig"]["acrUserManagedIdentityID"]
t["resources"] = [r for r in t["resources"] if r["type"] != "Microsoft.Authorization/roleAssignments"]
write("system-assigned-without-role.json", t)

# NET-002: the integration subnet loses its delegation.
t = copy.deepcopy(uami)
vnet = resource(t, "Microsoft.Network/virtualNetworks")
for subnet in vnet["properties"]["subnets"]:
    subnet["properties"].pop("delegations", None)
write("user-assigned-identity-subnet-not-delegated.json", t)

# TPL-002: the registry password as a literal.
t = copy.deepcopy(creds)
for setting in resource(t, "Microsoft.Web/sites")["properties"]["siteConfig"]["appSettings"]:
    if setting["name"] == "DOCKER_REGISTRY_SERVER_PASSWORD":
        setting["value"] = "pullpath-planted-literal-password"
write("credentials-literal-password.json", t)

# REG-002: a Standard registry cannot have a private endpoint.
t = copy.deepcopy(uami)
resource(t, "Microsoft.ContainerRegistry/registries")["sku"] = {"name": "Standard"}
write("user-assigned-identity-standard-sku.json", t)

# TPL-001: the Bicep-emitted template without its AcrPull grant for the new identity.
t = copy.deepcopy(load("user-assigned-identity.v2.json"))
del t["resources"]["acrPull"]
write("user-assigned-identity-v2-without-role.json", t)

ENV = "examples/healthy-system-identity"
LINES = [
    # template, parameters, environment (- for none), exit code, leading root cause
    ("user-assigned-identity.json", "user-assigned-identity.parameters.json", "-", 0, "-"),
    ("user-assigned-identity.json", "user-assigned-identity.parameters.json", ENV, 0, "-"),
    ("user-assigned-identity.v2.json", "user-assigned-identity.parameters.json", ENV, 0, "-"),
    ("credentials.json", "credentials.parameters.json", "-", 0, "-"),
    ("credentials.json", "credentials.parameters.json", ENV, 0, "-"),
    ("terraform-plan.json", "-", "-", 0, "-"),
    ("terraform-plan-broken-principal-id.json", "-", "-", 1, "IAM-001"),
    ("broken/user-assigned-identity-principal-id.json", "user-assigned-identity.parameters.json", "-", 1, "IAM-001"),
    ("broken/system-assigned-without-role.json", "user-assigned-identity.parameters.json", "-", 1, "TPL-001"),
    ("broken/user-assigned-identity-subnet-not-delegated.json", "user-assigned-identity.parameters.json", ENV, 1, "NET-002"),
    ("broken/credentials-literal-password.json", "credentials.parameters.json", "-", 1, "TPL-002"),
    ("broken/user-assigned-identity-standard-sku.json", "user-assigned-identity.parameters.json", "-", 1, "REG-002"),
    ("broken/user-assigned-identity-v2-without-role.json", "user-assigned-identity.parameters.json", "-", 1, "TPL-001"),
    ("terraform-plan-broken-subnet-not-delegated.json", "-", "-", 1, "NET-002"),
]
with open(os.path.join(ROOT, "expected.txt"), "w") as f:
    f.write("# template parameters environment exit-code leading-root-cause (written by scripts/gen-template-examples.py)\n")
    for line in LINES:
        f.write(" ".join(str(x) for x in line) + "\n")
print(f"wrote {len(os.listdir(BROKEN))} broken templates and {len(LINES)} expectations")
