#!/usr/bin/env python3
"""Writes examples/<variant>/ — the seed deployment (resource group secureacrsetup) as ARM
documents shaped like the official examples, and one variant per common failure.

Each variant is the healthy deployment plus a small, named change, so the test corpus
documents exactly what breaks a pull. `examples/expected.txt` lists each variant's exit code
and the check that must lead the root causes. Run after editing:

    python3 scripts/gen-examples.py
"""
import copy, json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "examples")

SUB = "6f1c9a3e-2b7d-4e5f-9a8b-1c2d3e4f5a6b"
RG = "secureacrsetup"
TENANT = "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"
SITE_PRINCIPAL = "8e1f3a52-6c4b-4d7e-a9f0-2b3c4d5e6f70"
UAMI_CLIENT = "5b7e9c1d-3f2a-4b6c-8d0e-1a2b3c4d5e6f"
UAMI_PRINCIPAL = "9d8c7b6a-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
ACR_DELETE = "c2f4ef07-c644-48eb-af81-4b1b4947fb11"
PLANTED_PASSWORD = "pullpath-planted-secret-Zq8#not-a-real-password"


def rid(path, rg=RG):
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{path}"


SITE = rid("Microsoft.Web/sites/secureacrweb2021")
PLAN = rid("Microsoft.Web/serverfarms/secureacrplan")
VNET = rid("Microsoft.Network/virtualNetworks/secureacr-vnet")
INT_SUBNET = f"{VNET}/subnets/vnet-integration-subnet"
PE_SUBNET = f"{VNET}/subnets/private-endpoint-subnet"
REGISTRY = rid("Microsoft.ContainerRegistry/registries/secureacr2021")
PE = rid("Microsoft.Network/privateEndpoints/secureacr-pe")
NIC = rid("Microsoft.Network/networkInterfaces/secureacr-pe.nic.7c1d9e2a-4b3f-4a5e-9c8d-6f0e1a2b3c4d")
ZONE = rid("Microsoft.Network/privateDnsZones/privatelink.azurecr.io")
UAMI = rid("Microsoft.ManagedIdentity/userAssignedIdentities/secureacr-identity")
IMAGE = "secureacr2021.azurecr.io/privatewebsite:lnx-v1"
CONNECTION = "secureacr-pe-5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def base():
    """The healthy deployment: system-assigned identity with AcrPull."""
    docs = {}
    docs["site.json"] = {
        "id": SITE, "name": "secureacrweb2021", "type": "Microsoft.Web/sites", "kind": "app,linux,container",
        "location": "West Central US",
        "properties": {
            "state": "Running", "enabled": True, "reserved": True, "isXenon": False, "hyperV": False,
            "serverFarmId": PLAN, "virtualNetworkSubnetId": INT_SUBNET,
            "outboundVnetRouting": {"allTraffic": False, "applicationTraffic": False, "imagePullTraffic": True, "contentShareTraffic": False, "backupRestoreTraffic": False},
            "httpsOnly": True, "publicNetworkAccess": "Enabled", "defaultHostName": "secureacrweb2021.azurewebsites.net",
            "outboundIpAddresses": "20.69.144.16,20.69.144.17",
            "possibleOutboundIpAddresses": "20.69.144.16,20.69.144.17,20.69.144.18,20.69.144.19",
            "dnsConfiguration": {},
            "siteConfig": {"numberOfWorkers": 1, "linuxFxVersion": f"DOCKER|{IMAGE}", "acrUseManagedIdentityCreds": True, "acrUserManagedIdentityID": None, "alwaysOn": True},
            "resourceGroup": RG, "keyVaultReferenceIdentity": "SystemAssigned",
        },
        "identity": {"type": "SystemAssigned", "principalId": SITE_PRINCIPAL, "tenantId": TENANT},
    }
    docs["site-config-web.json"] = {
        "id": f"{SITE}/config/web", "name": "web", "type": "Microsoft.Web/sites/config", "location": "West Central US",
        "properties": {
            "numberOfWorkers": 1, "linuxFxVersion": f"DOCKER|{IMAGE}", "windowsFxVersion": None,
            "acrUseManagedIdentityCreds": True, "acrUserManagedIdentityID": None,
            "alwaysOn": True, "http20Enabled": True, "minTlsVersion": "1.2", "ftpsState": "Disabled",
            "vnetName": "", "vnetRouteAllEnabled": False, "vnetPrivatePortsCount": 0,
        },
    }
    docs["app-settings.json"] = {
        "id": f"{SITE}/config/appsettings", "name": "appsettings", "type": "Microsoft.Web/sites/config", "location": "West Central US",
        "properties": {"WEBSITES_ENABLE_APP_SERVICE_STORAGE": "false", "WEBSITES_PORT": "80"},
    }
    docs["plan.json"] = {
        "id": PLAN, "name": "secureacrplan", "type": "Microsoft.Web/serverfarms", "kind": "linux", "location": "West Central US",
        "sku": {"name": "P1v3", "tier": "PremiumV3", "size": "P1v3", "family": "Pv3", "capacity": 1},
        "properties": {"status": "Ready", "maximumNumberOfWorkers": 30, "numberOfSites": 1, "reserved": True, "elasticScaleEnabled": False, "zoneRedundant": False},
    }
    docs["vnet.json"] = {
        "id": VNET, "name": "secureacr-vnet", "type": "Microsoft.Network/virtualNetworks", "location": "westcentralus",
        "properties": {
            "provisioningState": "Succeeded",
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "dhcpOptions": {"dnsServers": []},
            "subnets": [
                {"id": INT_SUBNET, "name": "vnet-integration-subnet", "type": "Microsoft.Network/virtualNetworks/subnets",
                 "properties": {"provisioningState": "Succeeded", "addressPrefix": "10.0.0.0/24",
                                "delegations": [{"id": f"{INT_SUBNET}/delegations/delegation", "name": "delegation", "properties": {"serviceName": "Microsoft.Web/serverFarms", "actions": ["Microsoft.Network/virtualNetworks/subnets/action"], "provisioningState": "Succeeded"}, "type": "Microsoft.Network/virtualNetworks/subnets/delegations"}],
                                "serviceAssociationLinks": [{"name": "AppServiceLink", "properties": {"linkedResourceType": "Microsoft.Web/serverfarms", "link": PLAN}}],
                                "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled"}},
                {"id": PE_SUBNET, "name": "private-endpoint-subnet", "type": "Microsoft.Network/virtualNetworks/subnets",
                 "properties": {"provisioningState": "Succeeded", "addressPrefix": "10.0.1.0/24", "delegations": [],
                                "privateEndpoints": [{"id": PE}],
                                "privateEndpointNetworkPolicies": "Disabled", "privateLinkServiceNetworkPolicies": "Enabled"}},
            ],
            "virtualNetworkPeerings": [], "enableDdosProtection": False,
        },
    }
    docs["private-endpoint.json"] = {
        "id": PE, "name": "secureacr-pe", "type": "Microsoft.Network/privateEndpoints", "location": "westcentralus",
        "properties": {
            "provisioningState": "Succeeded",
            "privateLinkServiceConnections": [{
                "id": f"{PE}/privateLinkServiceConnections/{CONNECTION}", "name": CONNECTION,
                "properties": {"provisioningState": "Succeeded", "privateLinkServiceId": REGISTRY, "groupIds": ["registry"],
                               "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}},
                "type": "Microsoft.Network/privateEndpoints/privateLinkServiceConnections"}],
            "manualPrivateLinkServiceConnections": [],
            "subnet": {"id": PE_SUBNET},
            "networkInterfaces": [{"id": NIC}],
            "customDnsConfigs": [],
            "ipConfigurations": [],
        },
    }
    docs["private-endpoint-nic.json"] = {
        "id": NIC, "name": NIC.rsplit("/", 1)[1], "type": "Microsoft.Network/networkInterfaces", "location": "westcentralus",
        "properties": {
            "provisioningState": "Succeeded",
            "ipConfigurations": [
                {"id": f"{NIC}/ipConfigurations/privateEndpointIpConfig.0b1c2d3e", "name": "privateEndpointIpConfig.0b1c2d3e",
                 "properties": {"privateIPAddress": "10.0.1.5", "privateIPAllocationMethod": "Dynamic", "subnet": {"id": PE_SUBNET}, "primary": True, "privateIPAddressVersion": "IPv4",
                                "privateLinkConnectionProperties": {"groupId": "registry", "requiredMemberName": "registry", "fqdns": ["secureacr2021.azurecr.io"]}}},
                {"id": f"{NIC}/ipConfigurations/privateEndpointIpConfig.4f5a6b7c", "name": "privateEndpointIpConfig.4f5a6b7c",
                 "properties": {"privateIPAddress": "10.0.1.4", "privateIPAllocationMethod": "Dynamic", "subnet": {"id": PE_SUBNET}, "primary": False, "privateIPAddressVersion": "IPv4",
                                "privateLinkConnectionProperties": {"groupId": "registry", "requiredMemberName": "registry_data_westcentralus", "fqdns": ["secureacr2021.westcentralus.data.azurecr.io"]}}},
            ],
            "privateEndpoint": {"id": PE},
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
        },
    }
    docs["private-endpoint-zone-group.json"] = {
        "id": f"{PE}/privateDnsZoneGroups/default", "name": "default", "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "properties": {"provisioningState": "Succeeded", "privateDnsZoneConfigs": [{"name": "privatelink-azurecr-io", "properties": {"privateDnsZoneId": ZONE, "recordSets": [
            {"recordType": "A", "recordSetName": "secureacr2021", "fqdn": "secureacr2021.privatelink.azurecr.io", "ttl": 10, "ipAddresses": ["10.0.1.5"]},
            {"recordType": "A", "recordSetName": "secureacr2021.westcentralus.data", "fqdn": "secureacr2021.westcentralus.data.privatelink.azurecr.io", "ttl": 10, "ipAddresses": ["10.0.1.4"]}]}}]},
    }
    docs["dns-zone.json"] = {
        "id": ZONE, "name": "privatelink.azurecr.io", "type": "Microsoft.Network/privateDnsZones", "location": "global",
        "properties": {"maxNumberOfRecordSets": 25000, "numberOfRecordSets": 3, "maxNumberOfVirtualNetworkLinks": 1000, "numberOfVirtualNetworkLinks": 1, "maxNumberOfVirtualNetworkLinksWithRegistration": 100, "numberOfVirtualNetworkLinksWithRegistration": 0, "provisioningState": "Succeeded"},
    }
    docs["dns-zone-a-records.json"] = {"value": [
        {"id": f"{ZONE}/A/secureacr2021", "name": "secureacr2021", "type": "Microsoft.Network/privateDnsZones/A", "etag": "1a2b3c4d-0000-0000-0000-000000000001",
         "properties": {"ttl": 10, "fqdn": "secureacr2021.privatelink.azurecr.io.", "isAutoRegistered": False, "aRecords": [{"ipv4Address": "10.0.1.5"}], "metadata": {"creator": "created by private endpoint secureacr-pe with resource guid 7c1d9e2a"}}},
        {"id": f"{ZONE}/A/secureacr2021.westcentralus.data", "name": "secureacr2021.westcentralus.data", "type": "Microsoft.Network/privateDnsZones/A", "etag": "1a2b3c4d-0000-0000-0000-000000000002",
         "properties": {"ttl": 10, "fqdn": "secureacr2021.westcentralus.data.privatelink.azurecr.io.", "isAutoRegistered": False, "aRecords": [{"ipv4Address": "10.0.1.4"}], "metadata": {"creator": "created by private endpoint secureacr-pe with resource guid 7c1d9e2a"}}},
    ]}
    docs["dns-zone-links.json"] = {"value": [
        {"id": f"{ZONE}/virtualNetworkLinks/acr-zonelink", "name": "acr-zonelink", "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
         "properties": {"virtualNetwork": {"id": VNET}, "registrationEnabled": False, "resolutionPolicy": "Default", "virtualNetworkLinkState": "Completed", "provisioningState": "Succeeded"}},
    ]}
    docs["registry.json"] = {
        "id": REGISTRY, "name": "secureacr2021", "type": "Microsoft.ContainerRegistry/registries", "location": "westcentralus",
        "sku": {"name": "Premium", "tier": "Premium"},
        "properties": {
            "loginServer": "secureacr2021.azurecr.io", "provisioningState": "Succeeded", "adminUserEnabled": False,
            "networkRuleSet": {"defaultAction": "Deny", "ipRules": []},
            "policies": {"quarantinePolicy": {"status": "disabled"}, "trustPolicy": {"type": "Notary", "status": "disabled"}, "retentionPolicy": {"days": 7, "status": "disabled"}, "exportPolicy": {"status": "enabled"}, "azureADAuthenticationAsArmPolicy": {"status": "enabled"}},
            "encryption": {"status": "disabled"}, "dataEndpointEnabled": False, "dataEndpointHostNames": [],
            "privateEndpointConnections": [{
                "id": f"{REGISTRY}/privateEndpointConnections/{CONNECTION}", "name": CONNECTION, "type": "Microsoft.ContainerRegistry/registries/privateEndpointConnections",
                "properties": {"privateEndpoint": {"id": PE}, "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}, "provisioningState": "Succeeded"}}],
            "publicNetworkAccess": "Disabled", "networkRuleBypassOptions": "AzureServices", "zoneRedundancy": "Disabled",
            "anonymousPullEnabled": False, "roleAssignmentMode": "LegacyRegistryPermissions",
        },
    }
    docs["registry-replications.json"] = {"value": []}
    docs["role-assignments.json"] = {"value": [
        role_assignment("3b9a1c2d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", ACR_PULL, SITE_PRINCIPAL, REGISTRY),
        role_assignment("4c0b2d3e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9", f"/subscriptions/{SUB}/resourceGroups/{RG}", "User"),
    ]}
    return docs


def role_assignment(name, role, principal, scope, principal_type="ServicePrincipal", condition=None):
    props = {"roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}", "principalId": principal,
             "principalType": principal_type, "scope": scope, "createdOn": "2021-06-15T21:40:12.8506835Z", "updatedOn": "2021-06-15T21:40:12.8506835Z"}
    if condition:
        props["condition"] = condition
        props["conditionVersion"] = "2.0"
    return {"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}", "name": name, "type": "Microsoft.Authorization/roleAssignments", "properties": props}


def set_config(docs, **props):
    """Site configuration lives in config/web and, partly, in the site's siteConfig."""
    docs["site-config-web.json"]["properties"].update(props)
    docs["site.json"]["properties"]["siteConfig"].update({k: v for k, v in props.items() if k in ("linuxFxVersion", "acrUseManagedIdentityCreds", "acrUserManagedIdentityID")})


def subnet(docs, name):
    return next(s for s in docs["vnet.json"]["properties"]["subnets"] if s["name"] == name)


def user_identity(docs):
    docs["site.json"]["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {UAMI: {"principalId": UAMI_PRINCIPAL, "clientId": UAMI_CLIENT}}}
    set_config(docs, acrUserManagedIdentityID=UAMI_CLIENT)
    docs["user-assigned-identity.json"] = {"id": UAMI, "name": "secureacr-identity", "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westcentralus",
                                           "properties": {"clientId": UAMI_CLIENT, "principalId": UAMI_PRINCIPAL, "tenantId": TENANT, "isolationScope": "None"}}
    docs["role-assignments.json"]["value"][0] = role_assignment("3b9a1c2d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", ACR_PULL, UAMI_PRINCIPAL, REGISTRY)


def admin_credentials(docs):
    docs["site.json"].pop("identity")
    set_config(docs, acrUseManagedIdentityCreds=False)
    docs["app-settings.json"]["properties"].update({
        "DOCKER_REGISTRY_SERVER_URL": "https://secureacr2021.azurecr.io",
        "DOCKER_REGISTRY_SERVER_USERNAME": "secureacr2021",
        "DOCKER_REGISTRY_SERVER_PASSWORD": PLANTED_PASSWORD,
    })
    docs["registry.json"]["properties"]["adminUserEnabled"] = True
    docs["role-assignments.json"]["value"].pop(0)


def custom_registry(docs):
    """A registry:2 served by another web app behind its own private endpoint."""
    host = "secureacrregistry.azurewebsites.net"
    target = rid("Microsoft.Web/sites/secureacrregistry")
    pe = rid("Microsoft.Network/privateEndpoints/secureacrregistry-pe")
    nic = rid("Microsoft.Network/networkInterfaces/secureacrregistry-pe.nic.2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b")
    zone = rid("Microsoft.Network/privateDnsZones/privatelink.azurewebsites.net")
    for name in ["registry.json", "registry-replications.json", "private-endpoint.json", "private-endpoint-nic.json", "private-endpoint-zone-group.json", "dns-zone.json", "dns-zone-a-records.json", "dns-zone-links.json"]:
        docs.pop(name)
    docs["role-assignments.json"]["value"].pop(0)
    docs["site.json"].pop("identity")
    set_config(docs, linuxFxVersion=f"DOCKER|{host}/privatewebsite:lnx-v1", acrUseManagedIdentityCreds=False)
    docs["app-settings.json"]["properties"].update({"DOCKER_REGISTRY_SERVER_URL": f"https://{host}", "DOCKER_REGISTRY_SERVER_USERNAME": "puller", "DOCKER_REGISTRY_SERVER_PASSWORD": PLANTED_PASSWORD})
    docs["registry-private-endpoint.json"] = {"id": pe, "name": "secureacrregistry-pe", "type": "Microsoft.Network/privateEndpoints", "location": "westcentralus",
        "properties": {"provisioningState": "Succeeded", "subnet": {"id": PE_SUBNET}, "networkInterfaces": [{"id": nic}], "manualPrivateLinkServiceConnections": [], "customDnsConfigs": [],
                       "privateLinkServiceConnections": [{"name": "secureacrregistry-pe", "properties": {"privateLinkServiceId": target, "groupIds": ["sites"], "privateLinkServiceConnectionState": {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}}}]}}
    docs["registry-private-endpoint-nic.json"] = {"id": nic, "name": nic.rsplit("/", 1)[1], "type": "Microsoft.Network/networkInterfaces", "location": "westcentralus",
        "properties": {"privateEndpoint": {"id": pe}, "ipConfigurations": [{"name": "privateEndpointIpConfig.1", "properties": {"privateIPAddress": "10.0.1.6", "subnet": {"id": PE_SUBNET},
            "privateLinkConnectionProperties": {"groupId": "sites", "requiredMemberName": "sites", "fqdns": [host, "secureacrregistry.scm.azurewebsites.net"]}}}]}}
    docs["registry-private-endpoint-zone-group.json"] = {"id": f"{pe}/privateDnsZoneGroups/default", "name": "default", "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "properties": {"privateDnsZoneConfigs": [{"name": "privatelink-azurewebsites-net", "properties": {"privateDnsZoneId": zone}}]}}
    docs["dns-zone.json"] = {"id": zone, "name": "privatelink.azurewebsites.net", "type": "Microsoft.Network/privateDnsZones", "location": "global", "properties": {"numberOfRecordSets": 3, "numberOfVirtualNetworkLinks": 1}}
    docs["dns-zone-a-records.json"] = {"value": [
        {"id": f"{zone}/A/secureacrregistry", "name": "secureacrregistry", "type": "Microsoft.Network/privateDnsZones/A", "properties": {"ttl": 10, "fqdn": "secureacrregistry.privatelink.azurewebsites.net.", "aRecords": [{"ipv4Address": "10.0.1.6"}]}},
        {"id": f"{zone}/A/secureacrregistry.scm", "name": "secureacrregistry.scm", "type": "Microsoft.Network/privateDnsZones/A", "properties": {"ttl": 10, "fqdn": "secureacrregistry.scm.privatelink.azurewebsites.net.", "aRecords": [{"ipv4Address": "10.0.1.6"}]}}]}
    docs["dns-zone-links.json"] = {"value": [{"id": f"{zone}/virtualNetworkLinks/webapp-zonelink", "name": "webapp-zonelink", "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
        "properties": {"virtualNetwork": {"id": VNET}, "registrationEnabled": False, "virtualNetworkLinkState": "Completed", "provisioningState": "Succeeded"}}]}


HUB = rid("Microsoft.Network/virtualNetworks/hub-vnet", "hub-network")


def zone_not_linked(docs):
    docs["dns-zone-links.json"]["value"][0]["properties"]["virtualNetwork"]["id"] = HUB
    docs["dns-zone-links.json"]["value"][0]["name"] = "hub-zonelink"
    docs["dns-zone-links.json"]["value"][0]["id"] = f"{ZONE}/virtualNetworkLinks/hub-zonelink"


def missing_data_record(docs):
    docs["dns-zone-a-records.json"]["value"].pop(1)
    docs["dns-zone.json"]["properties"]["numberOfRecordSets"] = 2
    docs.pop("private-endpoint-zone-group.json")


def stale_login_record(docs):
    docs["dns-zone-a-records.json"]["value"][0]["properties"]["aRecords"] = [{"ipv4Address": "10.0.1.9"}]
    docs.pop("private-endpoint-zone-group.json")


def routing_disabled(docs):
    docs["site.json"]["properties"]["outboundVnetRouting"]["imagePullTraffic"] = False


def no_vnet_integration(docs):
    docs["site.json"]["properties"]["virtualNetworkSubnetId"] = None


def subnet_not_delegated(docs):
    subnet(docs, "vnet-integration-subnet")["properties"]["delegations"] = []


def subnet_too_small(docs):
    subnet(docs, "vnet-integration-subnet")["properties"]["addressPrefix"] = "10.0.0.0/29"


def missing_acrpull(docs):
    docs["role-assignments.json"]["value"][0] = role_assignment("3b9a1c2d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", ACR_DELETE, SITE_PRINCIPAL, REGISTRY)


def uami_principal_id(docs):
    user_identity(docs)
    set_config(docs, acrUserManagedIdentityID=UAMI_PRINCIPAL)


def endpoint_pending(docs):
    pe = docs["private-endpoint.json"]["properties"]
    conn = pe.pop("privateLinkServiceConnections")[0]
    conn["properties"]["privateLinkServiceConnectionState"] = {"status": "Pending", "description": "Please approve my connection", "actionsRequired": "None"}
    pe["privateLinkServiceConnections"] = []
    pe["manualPrivateLinkServiceConnections"] = [conn]
    docs["registry.json"]["properties"]["privateEndpointConnections"][0]["properties"]["privateLinkServiceConnectionState"] = {"status": "Pending", "description": "Please approve my connection", "actionsRequired": "None"}


def standard_sku(docs):
    docs["registry.json"]["sku"] = {"name": "Standard", "tier": "Standard"}


def nsg_denies_443(docs):
    nsg_id = rid("Microsoft.Network/networkSecurityGroups/vnet-integration-nsg")
    subnet(docs, "vnet-integration-subnet")["properties"]["networkSecurityGroup"] = {"id": nsg_id}
    docs["nsg.json"] = {"id": nsg_id, "name": "vnet-integration-nsg", "type": "Microsoft.Network/networkSecurityGroups", "location": "westcentralus", "properties": {"securityRules": [
        {"name": "allow-web-outbound", "properties": {"priority": 300, "direction": "Outbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "Internet", "destinationPortRanges": ["80", "443"]}},
        {"name": "deny-vnet-outbound", "properties": {"priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "*"}}]}}


def vnet_public_dns(docs):
    docs["vnet.json"]["properties"]["dhcpOptions"]["dnsServers"] = ["8.8.8.8"]


def peering_disconnected(docs):
    """The endpoint lives in a hub VNet whose peering lost its remote side."""
    hub_pe_subnet = f"{HUB}/subnets/private-endpoints"
    docs["private-endpoint.json"]["properties"]["subnet"] = {"id": hub_pe_subnet}
    for config in docs["private-endpoint-nic.json"]["properties"]["ipConfigurations"]:
        config["properties"]["subnet"] = {"id": hub_pe_subnet}
        config["properties"]["privateIPAddress"] = config["properties"]["privateIPAddress"].replace("10.0.1.", "10.100.1.")
    for record in docs["dns-zone-a-records.json"]["value"]:
        record["properties"]["aRecords"][0]["ipv4Address"] = record["properties"]["aRecords"][0]["ipv4Address"].replace("10.0.1.", "10.100.1.")
    docs.pop("private-endpoint-zone-group.json")
    docs["vnet.json"]["properties"]["virtualNetworkPeerings"] = [{"id": f"{VNET}/virtualNetworkPeerings/secureacr-to-hub", "name": "secureacr-to-hub", "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        "properties": {"peeringState": "Disconnected", "peeringSyncLevel": "FullyInSync", "remoteVirtualNetwork": {"id": HUB}, "allowVirtualNetworkAccess": True, "allowForwardedTraffic": False, "remoteAddressSpace": {"addressPrefixes": ["10.100.0.0/16"]}}}]
    docs["hub-vnet.json"] = {"id": HUB, "name": "hub-vnet", "type": "Microsoft.Network/virtualNetworks", "location": "westcentralus", "properties": {"addressSpace": {"addressPrefixes": ["10.100.0.0/16"]},
        "subnets": [{"id": hub_pe_subnet, "name": "private-endpoints", "properties": {"addressPrefix": "10.100.1.0/24", "privateEndpointNetworkPolicies": "Disabled"}}], "virtualNetworkPeerings": []}}


def windows_container(docs):
    docs["site.json"]["kind"] = "app,container,windows"
    docs["site.json"]["properties"]["reserved"] = False
    docs["site.json"]["properties"]["isXenon"] = True
    set_config(docs, linuxFxVersion="", windowsFxVersion=f"DOCKER|{IMAGE}")


def shadowing_data_zone(docs):
    zone = rid("Microsoft.Network/privateDnsZones/westcentralus.data.privatelink.azurecr.io")
    docs["dns-zone-westcentralus-data.json"] = {"id": zone, "name": "westcentralus.data.privatelink.azurecr.io", "type": "Microsoft.Network/privateDnsZones", "location": "global", "properties": {"numberOfRecordSets": 1, "numberOfVirtualNetworkLinks": 1}}
    docs["dns-zone-westcentralus-data-links.json"] = {"value": [{"id": f"{zone}/virtualNetworkLinks/data-zonelink", "name": "data-zonelink", "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
        "properties": {"virtualNetwork": {"id": VNET}, "registrationEnabled": False, "virtualNetworkLinkState": "Completed", "provisioningState": "Succeeded"}}]}


def free_plan(docs):
    docs["plan.json"]["sku"] = {"name": "F1", "tier": "Free", "size": "F1", "family": "F", "capacity": 1}
    docs["plan.json"]["properties"]["maximumNumberOfWorkers"] = 1


def image_host_typo(docs):
    set_config(docs, linuxFxVersion="DOCKER|secureacr2012.azurecr.io/privatewebsite:lnx-v1")


def abac_with_acrpull(docs):
    docs["registry.json"]["properties"]["roleAssignmentMode"] = "AbacRepositoryPermissions"


def admin_disabled(docs):
    admin_credentials(docs)
    docs["registry.json"]["properties"]["adminUserEnabled"] = False


def app_dns_public(docs):
    docs["site.json"]["properties"]["dnsConfiguration"] = {"dnsServers": ["8.8.8.8", "8.8.4.4"], "dnsRetryAttemptCount": 1}


def replica_without_record(docs):
    """A geo-replica in eastus: the endpoint gained its member, the hand-kept zone did not."""
    docs["registry-replications.json"] = {"value": [{"id": f"{REGISTRY}/replications/eastus", "name": "eastus", "type": "Microsoft.ContainerRegistry/registries/replications", "location": "eastus",
        "properties": {"provisioningState": "Succeeded", "status": {"displayStatus": "Ready"}, "regionEndpointEnabled": True, "zoneRedundancy": "Disabled"}}]}
    docs["private-endpoint-nic.json"]["properties"]["ipConfigurations"].append(
        {"id": f"{NIC}/ipConfigurations/privateEndpointIpConfig.8d9e0f1a", "name": "privateEndpointIpConfig.8d9e0f1a",
         "properties": {"privateIPAddress": "10.0.1.6", "subnet": {"id": PE_SUBNET}, "privateLinkConnectionProperties": {"groupId": "registry", "requiredMemberName": "registry_data_eastus", "fqdns": ["secureacr2021.eastus.data.azurecr.io"]}}})
    docs.pop("private-endpoint-zone-group.json")


def settings_forbidden(docs):
    """The exporter could not list the app settings (Reader lacks config/list/action)."""
    docs.pop("app-settings.json")
    docs["pullpath-snapshot.json"] = {
        "schema": "pullpath/snapshot/v1", "tool": {"name": "pullpath", "version": "0.1.0"}, "created": "2026-12-04T09:30:00Z",
        "target": {"app": SITE},
        "unreadable": [{"id": f"{SITE}/config/appsettings", "reason": "forbidden", "permission": f"Microsoft.Web/sites/config/list/action on {SITE}"}],
    }


HEALTHY = {
    "healthy-system-identity": [],
    "healthy-user-identity": [user_identity],
    "healthy-admin-credentials": [admin_credentials],
    "healthy-custom-registry": [custom_registry],
}

# variant: (changes, exit code, the check that must lead the root causes)
BROKEN = {
    "broken-zone-not-linked": ([zone_not_linked], "DNS-002"),
    "broken-missing-data-record": ([missing_data_record], "DNS-004"),
    "broken-stale-login-record": ([stale_login_record], "DNS-003"),
    "broken-routing-disabled": ([routing_disabled], "APP-004"),
    "broken-no-vnet-integration": ([no_vnet_integration], "APP-003"),
    "broken-subnet-not-delegated": ([subnet_not_delegated], "NET-002"),
    "broken-subnet-too-small": ([subnet_too_small], "NET-003"),
    "broken-missing-acrpull": ([missing_acrpull], "IAM-002"),
    "broken-uami-principal-id": ([uami_principal_id], "IAM-001"),
    "broken-endpoint-pending": ([endpoint_pending], "REG-003"),
    "broken-standard-sku": ([standard_sku], "REG-002"),
    "broken-nsg-denies-443": ([nsg_denies_443], "NET-005"),
    "broken-vnet-public-dns": ([vnet_public_dns], "DNS-006"),
    "broken-peering-disconnected": ([peering_disconnected], "NET-004"),
    "broken-windows-container": ([windows_container], "APP-001"),
    "broken-shadowing-data-zone": ([shadowing_data_zone], "DNS-004"),
    "broken-free-plan": ([free_plan], "APP-005"),
    "broken-image-host-typo": ([image_host_typo], "REG-001"),
    "broken-abac-with-acrpull": ([abac_with_acrpull], "IAM-002"),
    "broken-admin-disabled": ([admin_disabled], "REG-006"),
    "broken-app-dns-public": ([app_dns_public], "APP-007"),
    "broken-replica-without-record": ([replica_without_record], "DNS-004"),
}


# variant: changes; nothing fails but a document could not be read, so the run is inconclusive
INCONCLUSIVE = {
    "inconclusive-settings-forbidden": [settings_forbidden],
}


def write(name, docs):
    path = os.path.join(OUT, name)
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    for file, doc in docs.items():
        with open(os.path.join(path, file), "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


def build(changes):
    docs = base()
    for change in changes:
        change(docs)
    return docs


def main():
    expected = ["# variant exit-code leading-root-cause (written by scripts/gen-examples.py)"]
    rows = [(name, changes, 0, "-") for name, changes in HEALTHY.items()]
    rows += [(name, changes, 1, root) for name, (changes, root) in BROKEN.items()]
    rows += [(name, changes, 3, "-") for name, changes in INCONCLUSIVE.items()]
    for name, changes, code, root in rows:
        write(name, build(changes))
        expected.append(f"{name} {code} {root}")
    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("\n".join(expected) + "\n")
    print(f"wrote {len(rows)} examples")


if __name__ == "__main__":
    main()
