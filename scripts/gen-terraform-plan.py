#!/usr/bin/env python3
"""Writes examples/templates/terraform-plan.json: the seed deployment (user-assigned identity
variant) as `terraform show -json PLAN` prints it for a new resource group's contents —
resource_changes with after / after_unknown, and the configuration's expressions with the
references that connect the resources. Run after editing:
    python3 scripts/gen-terraform-plan.py
"""
import json, os

ROOT = os.path.join(os.path.dirname(__file__), "..", "examples", "templates")
RG = "secureacrsetup"
LOC = "westcentralus"


def ref(address, attr="id"):
    return {"references": [f"{address}.{attr}", address]}


def const(value):
    return {"constant_value": value}


# (type, name, known after-values, unknown paths (after_unknown), configuration expressions)
RESOURCES = [
    ("azurerm_virtual_network", "main",
     {"name": "secureacr-vnet", "resource_group_name": RG, "location": LOC, "address_space": ["10.0.0.0/16"], "dns_servers": []},
     {"id": True, "subnet": True}, {}),
    ("azurerm_subnet", "integration",
     {"name": "vnet-integration-subnet", "resource_group_name": RG, "virtual_network_name": "secureacr-vnet",
      "address_prefixes": ["10.0.0.0/24"], "private_endpoint_network_policies": "Disabled",
      "delegation": [{"name": "webapp", "service_delegation": [{"name": "Microsoft.Web/serverFarms", "actions": ["Microsoft.Network/virtualNetworks/subnets/action"]}]}]},
     {"id": True}, {}),
    ("azurerm_subnet", "endpoints",
     {"name": "private-endpoint-subnet", "resource_group_name": RG, "virtual_network_name": "secureacr-vnet",
      "address_prefixes": ["10.0.1.0/24"], "private_endpoint_network_policies": "Disabled", "delegation": []},
     {"id": True}, {}),
    ("azurerm_container_registry", "acr",
     {"name": "secureacr2021", "resource_group_name": RG, "location": LOC, "sku": "Premium", "admin_enabled": False,
      "public_network_access_enabled": False, "anonymous_pull_enabled": False, "data_endpoint_enabled": False},
     {"id": True, "login_server": True, "network_rule_set": True}, {}),
    ("azurerm_private_dns_zone", "acr",
     {"name": "privatelink.azurecr.io", "resource_group_name": RG},
     {"id": True}, {}),
    ("azurerm_private_dns_zone_virtual_network_link", "acr",
     {"name": "acr-zonelink", "resource_group_name": RG, "private_dns_zone_name": "privatelink.azurecr.io", "registration_enabled": False},
     {"id": True, "virtual_network_id": True},
     {"virtual_network_id": ref("azurerm_virtual_network.main")}),
    ("azurerm_private_endpoint", "acr",
     {"name": "secureacr-pe", "resource_group_name": RG, "location": LOC,
      "private_service_connection": [{"name": "secureacr-connection", "is_manual_connection": False, "subresource_names": ["registry"]}],
      "private_dns_zone_group": [{"name": "default"}]},
     {"id": True, "subnet_id": True, "network_interface": True,
      "private_service_connection": [{"private_connection_resource_id": True, "private_ip_address": True}],
      "private_dns_zone_group": [{"id": True, "private_dns_zone_ids": True}]},
     {"subnet_id": ref("azurerm_subnet.endpoints"),
      "private_service_connection": [{"private_connection_resource_id": ref("azurerm_container_registry.acr")}],
      "private_dns_zone_group": [{"private_dns_zone_ids": ref("azurerm_private_dns_zone.acr")}]}),
    ("azurerm_service_plan", "plan",
     {"name": "secureacrplan", "resource_group_name": RG, "location": LOC, "os_type": "Linux", "sku_name": "P1v3", "worker_count": 1},
     {"id": True}, {}),
    ("azurerm_user_assigned_identity", "pull",
     {"name": "secureacr-identity", "resource_group_name": RG, "location": LOC},
     {"id": True, "principal_id": True, "client_id": True, "tenant_id": True}, {}),
    ("azurerm_role_assignment", "acr_pull",
     {"role_definition_name": "AcrPull", "principal_type": "ServicePrincipal"},
     {"id": True, "name": True, "scope": True, "principal_id": True, "role_definition_id": True},
     {"scope": ref("azurerm_container_registry.acr"), "principal_id": ref("azurerm_user_assigned_identity.pull", "principal_id")}),
    ("azurerm_linux_web_app", "web",
     {"name": "secureacrweb2021", "resource_group_name": RG, "location": LOC, "https_only": True, "vnet_image_pull_enabled": True,
      "identity": [{"type": "UserAssigned"}],
      "site_config": [{"container_registry_use_managed_identity": True, "vnet_route_all_enabled": False,
                       "application_stack": [{"docker_image_name": "privatewebsite:lnx-v1", "docker_registry_url": "https://secureacr2021.azurecr.io"}]}],
      "app_settings": {"WEBSITES_ENABLE_APP_SERVICE_STORAGE": "false"}},
     {"id": True, "service_plan_id": True, "virtual_network_subnet_id": True, "outbound_ip_addresses": True,
      "identity": [{"identity_ids": True, "principal_id": True, "tenant_id": True}],
      "site_config": [{"container_registry_managed_identity_client_id": True}]},
     {"service_plan_id": ref("azurerm_service_plan.plan"),
      "virtual_network_subnet_id": ref("azurerm_subnet.integration"),
      "identity": [{"type": const("UserAssigned"), "identity_ids": ref("azurerm_user_assigned_identity.pull")}],
      "site_config": [{"container_registry_managed_identity_client_id": ref("azurerm_user_assigned_identity.pull", "client_id"),
                       "application_stack": [{"docker_image_name": const("privatewebsite:lnx-v1")}]}]}),
]


def plan(resources):
    changes, configured = [], []
    for kind, name, after, unknown, expressions in resources:
        address = f"{kind}.{name}"
        changes.append({
            "address": address, "mode": "managed", "type": kind, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/azurerm",
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown,
                       "before_sensitive": False, "after_sensitive": {}},
        })
        configured.append({"address": address, "mode": "managed", "type": kind, "name": name,
                           "provider_config_key": "azurerm", "expressions": expressions, "schema_version": 0})
    return {
        "format_version": "1.2", "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [
            {"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"], "values": c["change"]["after"]}
            for c in changes]}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"azurerm": {"name": "azurerm", "full_name": "registry.terraform.io/hashicorp/azurerm"}},
                          "root_module": {"resources": configured}},
    }


def write(name, value):
    with open(os.path.join(ROOT, name), "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


write("terraform-plan.json", plan(RESOURCES))

# Broken: the client id written from the identity's principal_id (TPL-003, IAM-001).
broken = [list(r) for r in RESOURCES]
web = next(r for r in broken if r[0] == "azurerm_linux_web_app")
web[4] = json.loads(json.dumps(web[4]))
web[4]["site_config"][0]["container_registry_managed_identity_client_id"] = ref("azurerm_user_assigned_identity.pull", "principal_id")
write("terraform-plan-broken-principal-id.json", plan([tuple(r) for r in broken]))
# Broken: the integration subnet without its delegation (NET-002).
broken = json.loads(json.dumps(RESOURCES))
subnet = next(r for r in broken if r[0] == "azurerm_subnet" and r[1] == "integration")
subnet[2]["delegation"] = []
write("terraform-plan-broken-subnet-not-delegated.json", plan([tuple(r) for r in broken]))
print("wrote terraform-plan.json and two broken variants")
