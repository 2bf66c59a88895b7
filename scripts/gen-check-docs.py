#!/usr/bin/env python3
"""Writes checks/<ID>.md from the table below: one place for the check documentation's text,
so every doc has the same sections (tests/catalog.rs enforces them). Run after editing:
    python3 scripts/gen-check-docs.py
"""
import os, textwrap

ROOT = os.path.join(os.path.dirname(__file__), "..", "checks")
LEARN = "https://learn.microsoft.com/azure"

D = {}
def doc(id, title, family, severity, what, why, fix, arm=None, refs=(), needs="", offline=True):
    D[id] = dict(title=title, family=family, severity=severity, what=what, why=why, fix=fix, arm=arm, refs=refs, needs=needs, offline=offline)

VNET_INT = f"{LEARN}/app-service/overview-vnet-integration"
ROUTING = f"{LEARN}/app-service/configure-vnet-integration-routing"
CUSTOM = f"{LEARN}/app-service/configure-custom-container"
ACR_PL = f"{LEARN}/container-registry/container-registry-private-link"
PE_DNS = f"{LEARN}/private-link/private-endpoint-dns"
ACR_ROLES = f"{LEARN}/container-registry/container-registry-roles"
ACR_ABAC = f"{LEARN}/container-registry/container-registry-rbac-abac-repository-permissions"

doc("APP-001", "Linux web app running a custom container", "app", "high",
 "The site document exists, is a Linux app (`properties.reserved = true` or `linux` in `kind`), and `linuxFxVersion` names a custom container: `DOCKER|<image>`, or `sitecontainers` (the sidecar model). A Windows container fails; a built-in code stack (`NODE|20-lts`) fails; retired Docker Compose (`COMPOSE|…`) warns.",
 "Image pull over VNet integration exists only for Linux custom containers. A Windows container, or an app on a code stack, never pulls a private image this way, so nothing else in the path matters until this is right.",
 "Set the image on a Linux app:\n\n```sh\naz webapp config container set -g <rg> -n <app> --container-image-name <registry>.azurecr.io/<repository>:<tag>\n```",
 arm='{ "properties": { "siteConfig": { "linuxFxVersion": "DOCKER|<registry>.azurecr.io/<repository>:<tag>" } } }',
 refs=[CUSTOM, f"{LEARN}/app-service/tutorial-custom-container-sidecar"])
doc("APP-002", "Image references parse", "app", "high",
 "Every image the platform pulls parses as a container reference: the main image from `linuxFxVersion`, each sidecar's `properties.image` in `sites/<app>/sitecontainers`, or the `image:` lines of a compose file. It reports the registry host, repository and tag or digest (`latest` when neither is given; Docker Hub short names expand to `docker.io/library/…`). Exactly one sidecar must be `isMain`.",
 "The registry host decides which registry, DNS names and role assignments the rest of the checks examine. A reference with upper-case letters, a URL scheme, an empty tag or a malformed digest is refused by the platform before any network traffic.",
 "```sh\naz webapp config container set -g <rg> -n <app> --container-image-name <registry>.azurecr.io/<repository>:<tag>\n# sidecars\naz webapp sitecontainers update -g <rg> -n <app> --container-name <name> --image <registry>.azurecr.io/<repository>:<tag>\n```",
 refs=["https://github.com/distribution/reference/blob/main/reference.go", f"{LEARN}/app-service/tutorial-custom-container-sidecar"], needs="APP-001")
doc("APP-003", "Regional VNet integration", "app", "high",
 "The site has regional VNet integration: `properties.virtualNetworkSubnetId` holds a subnet id. Gateway-required (legacy) integration, seen as `siteConfig.vnetName` without a subnet id, does not count.",
 "Without regional integration the app's outbound traffic, image pulls included, never enters the VNet, so it cannot reach a private endpoint.",
 "```sh\naz webapp vnet-integration add -g <rg> -n <app> --vnet <vnet> --subnet <delegated-subnet>\n```",
 arm='{ "properties": { "virtualNetworkSubnetId": "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>" } }',
 refs=[VNET_INT])
doc("APP-004", "Image pull routed over the VNet", "app", "high (medium when the registry is public)",
 "Image pulls go through the VNet. Any one of these enables it, and the check names which did: `properties.outboundVnetRouting.imagePullTraffic` or `.allTraffic` (API 2024-11-01 and later), `properties.vnetImagePullEnabled` (2022-03-01 to 2024-04-01), the app setting `WEBSITE_PULL_IMAGE_OVER_VNET=true`, or hosting in an App Service Environment (pulls over the VNet by default). When the settings disagree it says so. It fails when the registry refuses public access, and warns otherwise.",
 "Even with VNet integration, App Service pulls images over the public internet unless told otherwise. With the registry's public access closed, that pull is refused; with it open, the pull bypasses the private endpoint you built.",
 "```sh\naz resource update --ids <site-id> --api-version 2024-11-01 --set properties.outboundVnetRouting.imagePullTraffic=true\n# older API versions\naz resource update --ids <site-id> --set properties.vnetImagePullEnabled=true\n# or the app setting (still honoured; either enables routing)\naz webapp config appsettings set -g <rg> -n <app> --settings WEBSITE_PULL_IMAGE_OVER_VNET=true\n```",
 arm='{ "properties": { "outboundVnetRouting": { "imagePullTraffic": true } } }',
 refs=[ROUTING, "https://azure.github.io/AppService/2024/04/23/Improving-App-Service-networking-configuration-control.html"], needs="APP-003")
doc("APP-005", "Plan supports VNet integration", "app", "high",
 "The App Service plan's tier supports VNet integration: not Free or Shared, and for Functions not Consumption (Dynamic). Isolated v2 (App Service Environment) with custom DNS servers warns, because the environment resolves the registry through them.",
 "VNet integration is a feature of Basic and higher tiers. On a plan without it the app cannot join the VNet at all.",
 "```sh\naz appservice plan update -g <rg> -n <plan> --sku P1v3\n```",
 refs=[VNET_INT, f"{LEARN}/app-service/overview-hosting-plans"])
doc("APP-006", "One pull credential mode, for the image's registry", "app", "high",
 "Exactly one way of authenticating the pull is in effect: the managed identity (`acrUseManagedIdentityCreds = true`), `DOCKER_REGISTRY_SERVER_USERNAME`/`_PASSWORD` app settings, or anonymous. Both at once warns (the managed identity wins and the settings mislead). `DOCKER_REGISTRY_SERVER_URL` must name the image's registry. Anonymous against an ACR without anonymous pull fails. For sidecars, each container's `authType` must come with its client id or user name and password.",
 "A pull with no credential, or with credentials for a different registry, is refused by the registry with 401. Mixed modes make failures hard to read: the settings look right while the identity is what is used.",
 "```sh\n# managed identity (recommended)\naz webapp identity assign -g <rg> -n <app>\naz webapp config set -g <rg> -n <app> --generic-configurations '{\"acrUseManagedIdentityCreds\": true}'\naz webapp config appsettings delete -g <rg> -n <app> --setting-names DOCKER_REGISTRY_SERVER_USERNAME DOCKER_REGISTRY_SERVER_PASSWORD\n```",
 refs=[CUSTOM, f"{LEARN}/app-service/configure-custom-container#use-managed-identity-to-pull-image-from-azure-container-registry"], needs="APP-002")
doc("APP-007", "App-level DNS overrides resolve the privatelink zone", "app", "medium",
 "Reports DNS servers set on the app itself: `properties.dnsConfiguration.dnsServers` / `dnsAltServer`, or the app settings `WEBSITE_DNS_SERVER` / `WEBSITE_DNS_ALT_SERVER` (the site property takes precedence). Azure DNS (168.63.129.16) passes; a public resolver fails; any other server warns, since it must forward `azurecr.io` to Azure DNS from a VNet linked to the zone.",
 "An app-level DNS server replaces the VNet's resolution for every query the app makes, including the platform's lookup of the registry. A server that cannot see the privatelink zone returns the registry's public address, and a closed registry refuses the pull.",
 "```sh\naz resource update --ids <site-id> --set properties.dnsConfiguration.dnsServers='[\"168.63.129.16\"]'\naz webapp config appsettings delete -g <rg> -n <app> --setting-names WEBSITE_DNS_SERVER WEBSITE_DNS_ALT_SERVER\n```",
 refs=[f"{LEARN}/app-service/overview-name-resolution", PE_DNS])
doc("APP-008", "HTTPS only", "app", "low",
 "`properties.httpsOnly` is true.",
 "Not part of the pull path, but a private app that also answers plain HTTP is a common review finding; it is reported here so a gate sees it.",
 "```sh\naz webapp update -g <rg> -n <app> --https-only true\n```",
 refs=[f"{LEARN}/app-service/configure-ssl-bindings#enforce-https"])
doc("NET-001", "Integration subnet and VNet exist in the app's region", "network", "high",
 "The subnet named by `virtualNetworkSubnetId` and its VNet are present (a subnet embedded in its VNet document counts), and the VNet's location is the app's region.",
 "Regional VNet integration only joins a VNet in the app's own region; a deleted subnet leaves the app with no outbound path into the VNet.",
 "```sh\naz webapp vnet-integration add -g <rg> -n <app> --vnet <vnet-in-app-region> --subnet <subnet>\n```",
 refs=[VNET_INT], needs="APP-003")
doc("NET-002", "Subnet delegated to Microsoft.Web/serverFarms only", "network", "high",
 "The integration subnet has exactly one delegation, to `Microsoft.Web/serverFarms`.",
 "App Service injects its workers into the subnet only through that delegation; a subnet delegated elsewhere, or to nothing, cannot host the integration.",
 "```sh\naz network vnet subnet update -g <rg> --vnet-name <vnet> -n <subnet> --delegations Microsoft.Web/serverFarms\n```",
 arm='{ "properties": { "delegations": [ { "name": "web", "properties": { "serviceName": "Microsoft.Web/serverFarms" } } ] } }',
 refs=[VNET_INT, f"{LEARN}/virtual-network/subnet-delegation-overview"], needs="NET-001")
doc("NET-003", "Subnet large enough", "network", "high",
 "The integration subnet is /28 or larger (fail otherwise). Azure reserves five addresses in every subnet; each plan instance takes one, and a scale operation briefly needs addresses for old and new instances, so fewer usable addresses than twice the plan's instances warns. A /26 is recommended.",
 "When the subnet runs out of addresses, new instances start without VNet integration, and their pulls of a private image fail.",
 "A subnet in use cannot be resized. Create a larger one and move the integration:\n\n```sh\naz network vnet subnet create -g <rg> --vnet-name <vnet> -n <new-subnet> --address-prefixes 10.0.2.0/26 --delegations Microsoft.Web/serverFarms\naz webapp vnet-integration add -g <rg> -n <app> --vnet <vnet> --subnet <new-subnet>\n```",
 refs=[f"{VNET_INT}#subnet-requirements"], needs="NET-001")
doc("NET-004", "Private endpoint reachable from the integration VNet", "network", "high",
 "Each private endpoint of the registry sits in a subnet of the integration VNet, or of a VNet peered with it whose peering is `Connected` (both sides, with `allowVirtualNetworkAccess`). Peering is not transitive: an endpoint in another spoke of a hub is unreachable without an appliance.",
 "The pull connects to the endpoint's private address; without a network path the connection times out.",
 "```sh\naz network vnet peering create -g <rg> -n app-to-endpoint --vnet-name <integration-vnet> --remote-vnet <endpoint-vnet-id> --allow-vnet-access\naz network vnet peering create -g <rg2> -n endpoint-to-app --vnet-name <endpoint-vnet> --remote-vnet <integration-vnet-id> --allow-vnet-access\n```",
 refs=[f"{LEARN}/virtual-network/virtual-network-peering-overview", ACR_PL], needs="NET-001")
doc("NET-005", "NSGs allow TCP 443 to the endpoint", "network", "high",
 "Evaluates, as Azure does, the NSG on the integration subnet (outbound) and, when the endpoint subnet's `privateEndpointNetworkPolicies` is `Enabled` or `NetworkSecurityGroupEnabled`, the NSG on the endpoint subnet (inbound), for TCP 443 from the integration prefix to every endpoint address (login server and data endpoints): custom rules by priority, then the default rules, with the `VirtualNetwork` tag standing for the VNet's and its peers' address spaces, port ranges and prefix lists. Rules that use application security groups or service tags it cannot resolve make it warn.",
 "A deny rule anywhere on the path drops the connection, and App Service integration traffic does not show up in NSG flow logs, so this is hard to see otherwise.",
 "```sh\naz network nsg rule create -g <rg> --nsg-name <nsg> -n allow-acr-private-endpoint --priority 100 --direction Outbound --access Allow --protocol Tcp --source-address-prefixes <integration-prefix> --destination-address-prefixes <endpoint-ips> --destination-port-ranges 443\n```",
 refs=[f"{LEARN}/virtual-network/network-security-group-how-it-works", f"{LEARN}/private-link/disable-private-endpoint-network-policy"], needs="NET-001")
doc("NET-006", "Routes to the endpoint stay in the VNet", "network", "medium (high when traffic is dropped)",
 "With a route table on the integration subnet, finds the route each endpoint address takes: longest prefix wins, a user route beats a system route of the same length, and the `/32` route a private endpoint injects beats every user route unless the endpoint subnet's network policies allow route tables (`Enabled` or `RouteTableEnabled`). Next hop `None` (or a user route to `Internet`) fails; a virtual appliance or gateway warns.",
 "A forced-tunnel route sends the pull through a firewall that must allow and symmetrically return TCP 443 to the endpoint; a `None` route silently drops it.",
 "```sh\naz network route-table route create -g <rg> --route-table-name <table> -n acr-endpoint-direct --address-prefix <endpoint-subnet> --next-hop-type VnetLocal\n```",
 refs=[f"{LEARN}/virtual-network/virtual-networks-udr-overview", f"{LEARN}/private-link/disable-private-endpoint-network-policy"], needs="NET-001")
doc("DNS-001", "Private DNS zone exists", "dns", "high",
 "A private DNS zone for the registry exists: `privatelink.azurecr.io` (`privatelink.azurecr.us` in Azure Government, `privatelink.azurecr.cn` in Azure China), or for a non-ACR registry behind a private endpoint the privatelink zone of its host (e.g. `privatelink.azurewebsites.net`).",
 "The registry's public name is a CNAME to its privatelink name; without the zone that name resolves publicly.",
 "```sh\naz network private-dns zone create -g <rg> -n privatelink.azurecr.io\n```",
 refs=[PE_DNS, ACR_PL])
doc("DNS-002", "Zone linked to the VNet that resolves the app's queries", "dns", "high",
 "The zone has a virtual network link (state `Completed`) to the VNet whose resolver answers the app: the integration VNet when it uses Azure DNS, or the VNet that holds the custom DNS server the app or VNet points to. Links do not follow peering: a zone linked only to a hub does not answer a spoke that uses Azure DNS.",
 "Azure DNS answers from a private zone only for VNets linked to it. Unlinked, the app gets the public address and a closed registry refuses the pull.",
 "```sh\naz network private-dns link vnet create -g <zone-rg> -z privatelink.azurecr.io -n <vnet>-link -v <vnet-id> -e false\n```",
 refs=[f"{LEARN}/dns/private-dns-virtual-network-links", PE_DNS], needs="DNS-001")
doc("DNS-003", "A record for the login server matches the endpoint", "dns", "high",
 "In the most specific zone linked to the resolving VNet, the A record for the login server (`<registry>` in `privatelink.azurecr.io`) exists and holds exactly the private address of the endpoint NIC's `registry` member. A stale or extra address fails, and a record that exists only in another zone of the same name is pointed out.",
 "The record is what turns `<registry>.azurecr.io` into the private address. Missing, the name does not resolve; stale (after the endpoint was recreated), it points at nothing.",
 "```sh\naz network private-dns record-set a add-record -g <zone-rg> -z privatelink.azurecr.io -n <registry> -a <endpoint-ip>\naz network private-dns record-set a remove-record -g <zone-rg> -z privatelink.azurecr.io -n <registry> -a <stale-ip>\n```",
 refs=[ACR_PL, PE_DNS], needs="DNS-002")
doc("DNS-004", "A records for every data endpoint match the endpoint", "dns", "high",
 "For the registry's home region and every replication region, the data endpoint `<registry>.<region>.data.azurecr.io` resolves privately: the endpoint NIC has a `registry_data_<region>` member, and the answering zone's record (`<registry>.<region>.data` in `privatelink.azurecr.io`, or `<registry>` in a linked `<region>.data.privatelink.azurecr.io` zone, which is more specific and shadows the first) holds that member's address.",
 "Manifests come from the login server, but layers and the config blob are downloaded through a redirect to the data endpoint. A missing data record gives the classic failure where the manifest pull works and the blob download hangs or is refused.",
 "```sh\naz network private-dns record-set a add-record -g <zone-rg> -z privatelink.azurecr.io -n <registry>.<region>.data -a <data-endpoint-ip>\n# a replica added after the endpoint: recreate the zone group so records follow\naz network private-endpoint dns-zone-group create -g <rg> --endpoint-name <endpoint> -n default --private-dns-zone privatelink.azurecr.io --zone-name privatelink-azurecr-io\n```",
 refs=[ACR_PL, f"{LEARN}/container-registry/container-registry-dedicated-data-endpoints", PE_DNS], needs="DNS-002")
doc("DNS-005", "Endpoint has a DNS zone group", "dns", "medium",
 "Each private endpoint of the registry has a `privateDnsZoneGroups` entry pointing at the privatelink zone (the one linked to the app's VNet).",
 "With a zone group, Azure writes and updates the A records for the login server and every data endpoint as the endpoint changes and replicas come and go. Hand-made records go stale.",
 "```sh\naz network private-endpoint dns-zone-group create -g <rg> --endpoint-name <endpoint> -n default --private-dns-zone <zone-id> --zone-name privatelink-azurecr-io\n```",
 refs=[f"{LEARN}/private-link/private-endpoint-dns-integration", ACR_PL])
doc("DNS-006", "Custom DNS servers on the VNet", "dns", "medium",
 "Reports `dhcpOptions.dnsServers` on the integration VNet. Azure-provided DNS passes; public resolvers fail; other servers warn: they must forward `azurecr.io` to 168.63.129.16 from a VNet linked to the zone, or to a DNS Private Resolver inbound endpoint. When the app has its own DNS setting, the VNet's servers do not apply to it.",
 "Custom DNS is the most common reason a correct zone and correct records still give the public answer: the zone is only visible to Azure DNS in linked VNets.",
 "Add a conditional forwarder for `azurecr.io` to 168.63.129.16 on the DNS servers (running in a VNet linked to the zone), or use a DNS Private Resolver; or return the VNet to Azure DNS:\n\n```sh\naz network vnet update -g <rg> -n <vnet> --dns-servers ''\n```",
 refs=[PE_DNS, f"{LEARN}/dns/dns-private-resolver-overview"])
doc("REG-001", "Registry found as an ACR resource", "registry", "high",
 "The main image's registry host is matched, case-insensitively, to a `Microsoft.ContainerRegistry/registries` document by `loginServer` (or `--registry-id`). An `*.azurecr.io` host with no registry fails (a misspelt host, or a registry not exported); any other host is a custom registry: ACR-specific checks skip, network and DNS checks apply to its own private endpoint.",
 "Every registry-side check needs the registry; a typo in the image host is a common cause of `ImagePullFailure`.",
 "```sh\naz acr show -n <registry> --query loginServer\naz webapp config container set -g <rg> -n <app> --container-image-name <registry>.azurecr.io/<repository>:<tag>\n```",
 refs=[CUSTOM], needs="APP-002")
doc("REG-002", "Registry SKU is Premium", "registry", "high",
 "`sku.name` is `Premium`.",
 "Private endpoints (and dedicated data endpoints) are a Premium feature; a Basic or Standard registry has no private path.",
 "```sh\naz acr update -n <registry> --sku Premium\n```",
 refs=[f"{LEARN}/container-registry/container-registry-skus"], needs="REG-001")
doc("REG-003", "Approved private endpoint connection (group registry)", "registry", "high",
 "A private endpoint connects to the registry with group id `registry` and status `Approved`, and both sides agree: the endpoint's `privateLinkServiceId` (in `privateLinkServiceConnections` or `manualPrivateLinkServiceConnections`) is the registry, and the registry's `privateEndpointConnections` lists that endpoint as Approved. Pending, Rejected and Disconnected connections fail with the command that fixes each.",
 "Until the connection is approved the endpoint carries no traffic; a manual connection stays Pending until a registry owner approves it.",
 "```sh\naz acr private-endpoint-connection approve -r <registry> -n <connection>\n# none: create one\naz network private-endpoint create -g <rg> -n <registry>-pe --vnet-name <vnet> --subnet <endpoint-subnet> --private-connection-resource-id <registry-id> --group-id registry --connection-name <registry>-connection\n```",
 refs=[ACR_PL], needs="REG-001")
doc("REG-004", "Public network exposure", "registry", "medium",
 "`publicNetworkAccess` is `Disabled`, or `Enabled` with `networkRuleSet.defaultAction` `Deny` and an IP allow-list. `Allow` warns.",
 "A registry open to every address makes the private endpoint optional for attackers and hides a broken private path: pulls silently succeed over the internet.",
 "```sh\naz acr update -n <registry> --public-network-enabled false\n```",
 arm='{ "properties": { "publicNetworkAccess": "Disabled", "networkRuleSet": { "defaultAction": "Deny", "ipRules": [] } } }',
 refs=[f"{LEARN}/container-registry/container-registry-access-selected-networks"], needs="REG-001")
doc("REG-005", "Public access closed while the pull is not private", "registry", "high",
 "When the registry refuses public access (`Disabled`, or `Deny` without IP rules covering every `possibleOutboundIpAddresses` of the app), the app must pull through the VNet: integrated, with image pull routing on. Otherwise the pull reaches the public endpoint and is refused with 403. It is reported as a consequence when APP-003, APP-004 or a DNS check already failed.",
 "This is the exact failure users see as `ImagePullFailure` after locking down a registry.",
 "```sh\naz resource update --ids <site-id> --api-version 2024-11-01 --set properties.outboundVnetRouting.imagePullTraffic=true\n```",
 refs=[ROUTING, ACR_PL], needs="REG-001")
doc("REG-006", "Admin user matches its use", "registry", "medium",
 "When the app pulls with the admin user (`DOCKER_REGISTRY_SERVER_USERNAME` equals the registry name), `adminUserEnabled` must be true (fail otherwise). When the admin user is enabled but unused, it warns.",
 "Disabling the admin user breaks apps that still use it; leaving it enabled keeps a shared full-access credential alive.",
 "```sh\naz acr update -n <registry> --admin-enabled false   # after moving the app to a managed identity\n```",
 refs=[f"{LEARN}/container-registry/container-registry-authentication#admin-account"], needs="REG-001")
doc("REG-007", "Anonymous pull and token policies", "registry", "medium",
 "Warns when `anonymousPullEnabled` is true. Notes (low) when `policies.azureADAuthenticationAsArmPolicy.status` is `disabled`, so only ACR-audience Entra tokens are accepted.",
 "Anonymous pull exposes every repository to whoever reaches the registry. Turning ARM-audience tokens off is a hardening step that breaks clients which log in with ARM tokens; App Service is not documented to need them.",
 "```sh\naz acr update -n <registry> --anonymous-pull-enabled false\naz acr config authentication-as-arm show -r <registry>\n```",
 refs=[f"{LEARN}/container-registry/anonymous-pull-access", f"{LEARN}/container-registry/container-registry-disable-authentication-as-arm"], needs="REG-001")
doc("IAM-001", "Pull identity resolves", "identity", "high",
 "With managed-identity pulls, the identity is found: when `acrUserManagedIdentityID` is empty the system-assigned identity, which must be enabled; otherwise the user-assigned identity of the site whose **clientId** equals it. A principalId (object id) or a resource id in that field is a named mistake, as is the clientId of an identity not assigned to the site. Sidecars with `SystemIdentity`/`UserAssigned` are resolved the same way.",
 "The platform asks the identity endpoint for a token by client id; a wrong value yields no token and the pull fails before it reaches the registry.",
 "```sh\naz webapp identity assign -g <rg> -n <app> --identities <identity-resource-id>\naz identity show --ids <identity-resource-id> --query clientId\naz webapp config set -g <rg> -n <app> --generic-configurations '{\"acrUserManagedIdentityID\": \"<clientId>\"}'\n```",
 refs=[f"{CUSTOM}#use-managed-identity-to-pull-image-from-azure-container-registry"], needs="APP-006")
doc("IAM-002", "Pull identity holds a pull role on the registry", "identity", "high",
 "The pull identity's principal has a role assignment at the registry or an ancestor scope (resource group, subscription, management group; compared case-insensitively by segment) whose role grants pull. Legacy mode: AcrPull, AcrPush, Owner, Contributor, Reader, Container Registry Data Importer and Data Reader, or a custom role whose `actions` match `Microsoft.ContainerRegistry/registries/pull/read` after `notActions`. ABAC mode (`roleAssignmentMode: AbacRepositoryPermissions`): Container Registry Repository Reader/Writer/Contributor (or a custom role with the `repositories/content/read` data action) with no condition, or a condition whose repository clause (`StringEqualsIgnoreCase`, `StringStartsWithIgnoreCase`, …) covers the image's repository. Assignments through groups are not visible.",
 "Without a pull role the token exchange succeeds but the repository-scoped token carries no `pull` access: 401 `insufficient_scope`. In ABAC mode AcrPull is not honoured at all.",
 "```sh\naz role assignment create --assignee-object-id <principalId> --assignee-principal-type ServicePrincipal --role AcrPull --scope <registry-id>\n# ABAC registries\naz role assignment create --assignee-object-id <principalId> --assignee-principal-type ServicePrincipal --role \"Container Registry Repository Reader\" --scope <registry-id>\n```",
 refs=[ACR_ROLES, ACR_ABAC], needs="IAM-001, REG-001")
doc("IAM-003", "Registry credentials complete and for the image's registry", "identity", "high",
 "With credential-mode pulls: `DOCKER_REGISTRY_SERVER_URL` is set and its host is the image's host, and `DOCKER_REGISTRY_SERVER_USERNAME` and `DOCKER_REGISTRY_SERVER_PASSWORD` are set. A Key Vault reference as the password is noted (the app's Key Vault reference identity needs access and the vault must be reachable). Values outside the allow-list are never shown.",
 "App Service matches credentials to the image by the URL; a missing or different URL means the credentials are not offered and the pull is anonymous.",
 "```sh\naz webapp config container set -g <rg> -n <app> --container-registry-url https://<registry>.azurecr.io --container-registry-user <user> --container-registry-password <password>\n```",
 refs=[CUSTOM, f"{LEARN}/app-service/app-service-key-vault-references"], needs="APP-006")

RUN = "\n\nProbe from the app's own container (SSH: `pullpath probe <image>`, it pulls as the app's managed identity), a VM or a pipeline agent in the integration VNet, or with the configuration: `pullpath verify -g <rg> -n <app> --probe`."
PROBES = [
 ("PRB-001", "Probe: login server resolves to the endpoint",
  "Resolves the login server with the system's resolver (or `--dns-server IP[:PORT]`), records the full CNAME chain and the addresses, and classifies the answer: the private endpoint's address (with `verify --probe`, the NIC's `registry` member), a public address (the privatelink zone is not in the resolver's view), another private address (a stale record, another endpoint's zone), NXDOMAIN, SERVFAIL/REFUSED, or timeout. An image addressed by IP skips it.",
  "What the configuration says and what a resolver answers differ whenever a custom DNS server, a forwarder, an app-level DNS override or a hosts entry is involved. The platform pulls with the answer, not with the zone file.",
  "A public answer or a SERVFAIL: link the zone to the VNet whose resolver answers, or make the custom DNS server forward `azurecr.io` to 168.63.129.16 (or to a resolver in a linked VNet):\n\n```sh\naz network private-dns link vnet create -g <zone-rg> -z privatelink.azurecr.io -n link-app -v <vnet-id> -e false\n```\n\nNXDOMAIN or another private address: fix the record, or let the endpoint's zone group keep it:\n\n```sh\naz network private-endpoint dns-zone-group create -g <rg> --endpoint-name <endpoint> -n default --private-dns-zone privatelink.azurecr.io --zone-name registry\n```" + RUN,
  ""),
 ("PRB-002", "Probe: data endpoints resolve to the endpoint",
  "Resolves each data endpoint `<registry>.<region>.data.azurecr.io`: with `verify --probe` the home region and each replica (expected: the NIC's `registry_data_<region>` member), with `pullpath probe` those given by `--data-endpoint-region`, and in both the host the blob redirect names. Each is classified as PRB-001 does.",
  "Blob downloads are redirected to the data endpoint; a login server that resolves privately with a data endpoint that does not still fails the pull, after the manifest.",
  "Add the record for the data endpoint (one per region), or re-create the endpoint's zone group so the records follow the NIC:\n\n```sh\naz network private-dns record-set a add-record -g <zone-rg> -z privatelink.azurecr.io -n <registry>.<region>.data -a <registry_data_<region> address>\n```" + RUN,
  ""),
 ("PRB-003", "Probe: TCP 443 connects",
  "Opens a TCP connection to port 443 of every address the login server and the data endpoints resolved to (at most four each), with a timeout; refused (a reset: nothing listens, or a firewall rejects), timed out (a black hole: an NSG deny, an appliance drop, a wrong route) and unreachable are told apart. An address the dial guard (`PULLPATH_DIAL_ALLOW`) refuses is an error, not a finding.",
  "NSGs, user-defined routes to a firewall and the firewall's own rules show up here, whatever their documents say.",
  "```sh\naz network nsg rule list -g <rg> --nsg-name <nsg> -o table\naz network route-table route list -g <rg> --route-table-name <table> -o table\n```\n\nAllow TCP 443 from the integration subnet's prefix to the endpoint's addresses (outbound on the integration subnet, inbound on the endpoint subnet when its network policies are on), and on the appliance if routes send the traffic there." + RUN,
  "PRB-001"),
 ("PRB-004", "Probe: TLS handshake and certificate",
  "Completes a TLS handshake over each connection with SNI for the host, verifying the chain against the system's roots (plus `--ca-file`) and the name. The failure says which: unknown issuer (a TLS-inspecting appliance re-signs, or the address is not the registry), name mismatch (the name leads to another server), expired, or a handshake that never completes.",
  "The platform verifies the registry's certificate; an appliance that inspects TLS breaks the pull even when every port is open.",
  "Exempt `*.azurecr.io` and `*.data.azurecr.io` from TLS inspection on the firewall; check the address against the endpoint's NIC:\n\n```sh\naz network nic show --ids <nic-id> --query \"ipConfigurations[].{ip:privateIPAddress, fqdns:privateLinkConnectionProperties.fqdns}\"\n```" + RUN,
  "PRB-003"),
 ("PRB-005", "Probe: registry challenge at /v2/",
  "Requests `GET /v2/` without credentials and reads the `WWW-Authenticate` challenge (Bearer realm, service and scope, or Basic). A 403 is ACR's firewall: its body is parsed and the client address the registry saw is reported. Any other answer (a proxy's page, a 404) is not a registry.",
  "A 403 means the request reached the registry's public side: it did not come through the private endpoint (or came from an address the firewall does not allow).",
  "Route the pull through the private endpoint (PRB-001 must resolve privately from the app's VNet). For a deliberate public pull, allow the address the registry saw:\n\n```sh\naz acr network-rule add -n <registry> --ip-address <client-ip>\n```" + RUN,
  "PRB-004"),
 ("PRB-006", "Probe: pull token for the repository",
  "Gets a token as the app would: an Entra token for `https://containerregistry.azure.net/.default` (inside the app, its managed identity with its `acrUserManagedIdentityID`; elsewhere the caller, `--auth`) → `POST /oauth2/exchange` → `POST /oauth2/token` with `repository:<repo>:pull`; or Basic credentials (`--username` with `--password-stdin`, `--use-app-credentials`, `~/.docker/config.json` for other registries); or anonymous. The token's `access` claim and the registry's answer to the manifest tell a refused scope (an identity without AcrPull) from bad credentials. The report says whether it pulled as the app.",
  "`az acr check-health` stops at a catalog-scoped token from the caller's identity; only a repository-scoped token, used on the manifest, proves the pull.",
  "No pull scope: grant the pull identity AcrPull on the registry:\n\n```sh\naz role assignment create --assignee-object-id <principal-id> --assignee-principal-type ServicePrincipal --role AcrPull --scope $(az acr show -n <registry> --query id -o tsv)\n```\n\nBad credentials: set the current password, or move to the managed identity:\n\n```sh\naz webapp config container set -g <rg> -n <app> --container-registry-password <password>\n```" + RUN,
  "PRB-005"),
 ("PRB-007", "Probe: manifest fetched",
  "Fetches the manifest of the tag or digest with the token, accepting OCI and Docker media types; an index is resolved to its `linux/amd64` entry, which is fetched too. The bytes are hashed and compared with the digest asked for and `Docker-Content-Digest`. The manifest digest, the index digest and the platforms it lists are reported.",
  "An unknown tag, a deleted repository or an image built only for arm64 fails here, before any blob.",
  "```sh\naz acr repository show-tags -n <registry> --repository <repository> -o table\ndocker buildx build --platform linux/amd64 -t <registry>.azurecr.io/<repository>:<tag> --push .\n```" + RUN,
  "PRB-006"),
 ("PRB-008", "Probe: config blob through the data endpoint",
  "Fetches the image's config blob. The registry's redirect is followed by hand: the target host (the data endpoint) is recorded, resolved and dialled like PRB-002/003/004, and gets no registry token. The bytes' sha256 must equal the digest.",
  "This is the step that fails when the data endpoint does not resolve privately or is blocked, and where a content-rewriting proxy shows.",
  "Give every data endpoint its private record (see PRB-002), and exempt the registry's hosts from inspection." + RUN,
  "PRB-007 (after PRB-002)"),
]
for id, title, what, why, fix, needs in PROBES:
    doc(id, title, "probe", "high", what + " Runs only with `--probe` or in `pullpath probe`; offline it is `skip`.", why, fix,
        refs=[ACR_PL, "https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md", "https://github.com/opencontainers/distribution-spec/blob/main/spec.md"], needs=needs, offline=False)

TPL_RUN = "\n\nRuns with `pullpath verify --template azuredeploy.json --parameters azuredeploy.parameters.json` or `pullpath verify --terraform-plan plan.json` (alone, or over `--snapshot`/live for what exists); other reports leave it out."
ARM_TPL = f"{LEARN}/azure-resource-manager/templates/template-functions"
doc("TPL-001", "A new pull identity can pull on first start", "template", "high",
 "When the app pulls with a managed identity that the deployment creates (a new site's system-assigned identity, or a new user-assigned one: its principalId is known only after deployment), a role assignment in the same deployment must grant it pull on the registry — no role can exist for it beforehand. With none it fails. For a system-assigned identity with one it warns: the assignment can only be created after the site, so the first pull runs before the role exists and role assignments take minutes to apply. A user-assigned identity granted in the deployment passes, and an identity that already exists passes (a redeploy keeps its principal and roles)." + TPL_RUN,
 "The first image pull happens as the site is created. A principal that does not exist yet cannot hold AcrPull, so that pull is refused and the app does not start until a retry after the role applies — or never, if nothing grants it.",
 "Create a user-assigned identity before the app, grant it AcrPull, and pull with it:\n\n```sh\naz identity create -g <rg> -n <app>-pull\naz role assignment create --assignee-object-id $(az identity show -g <rg> -n <app>-pull --query principalId -o tsv) --assignee-principal-type ServicePrincipal --role AcrPull --scope $(az acr show -n <registry> --query id -o tsv)\n```\n\nthen set `acrUserManagedIdentityID` to its clientId in the template.",
 arm='{ "properties": { "siteConfig": { "acrUseManagedIdentityCreds": true, "acrUserManagedIdentityID": "[reference(resourceId(\'Microsoft.ManagedIdentity/userAssignedIdentities\', \'<app>-pull\'), \'2023-01-31\').clientId]" } } }',
 refs=[f"{LEARN}/app-service/configure-custom-container#use-managed-identity-to-pull-image-from-azure-container-registry", ACR_ROLES])
doc("TPL-002", "Registry password not written as a literal", "template", "medium",
 "`DOCKER_REGISTRY_SERVER_PASSWORD`, in `siteConfig.appSettings` or a `config/appsettings` resource (Terraform: `application_stack.docker_registry_password`, a `constant_value` in the plan's configuration), is an expression (a `securestring` parameter, a Key Vault reference in the parameters file, or `listCredentials()`), not text in the template. The value is never printed." + TPL_RUN,
 "A literal password is in source control, in every copy of the template, and in the deployment history of the resource group, readable by anyone with read access to it.",
 "Pass it as a `securestring` parameter, or reference Key Vault from the parameters file; better, pull with a managed identity:\n\n```sh\naz webapp config set -g <rg> -n <app> --generic-configurations '{\"acrUseManagedIdentityCreds\": true}'\n```",
 arm='{ "parameters": { "registryPassword": { "reference": { "keyVault": { "id": "<vault-id>" }, "secretName": "acr-password" } } } }',
 refs=[f"{LEARN}/azure-resource-manager/templates/key-vault-parameter", ARM_TPL])
doc("TPL-003", "acrUserManagedIdentityID is built from a clientId", "template", "high",
 "The template's `acrUserManagedIdentityID` (in `siteConfig` or a `config/web` resource; Terraform: `container_registry_managed_identity_client_id`) reads the identity's `clientId`, not its `principalId` (object id) and not its resource id — both are common when writing `reference(...)` by hand. IAM-001 catches the same mistake on a deployed app; this catches it before the deployment, even when the identity's ids are known only after it." + TPL_RUN,
 "App Service asks for a token for the client id it is given; with a principalId or a resource id no identity matches, and every pull fails with 401.",
 "```sh\naz webapp config set -g <rg> -n <app> --generic-configurations '{\"acrUserManagedIdentityID\": \"<clientId>\"}'\n```\n\nIn the template: `[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '2023-01-31').clientId]`.",
 refs=[f"{LEARN}/app-service/configure-custom-container#use-managed-identity-to-pull-image-from-azure-container-registry", ARM_TPL])

doc("TPL-004", "Role assignments for new principals say principalType", "template", "medium",
 "A role assignment whose principal is created by the same deployment (its principalId is known only after deployment: a new user-assigned identity or a site's new system-assigned identity) sets `principalType` to `ServicePrincipal` (Terraform: `principal_type`). It warns when it does not." + TPL_RUN,
 "ARM looks the principal up in Entra ID when it creates the assignment. A managed identity created seconds earlier may not have replicated yet, so the assignment fails with `PrincipalNotFound`, the deployment fails, and the identity never gets AcrPull. With `principalType` set, ARM skips that lookup.",
 "```sh\naz role assignment create --assignee-object-id <principal-id> --assignee-principal-type ServicePrincipal --role AcrPull --scope <registry-id>\n```\n\nIn the template, set `principalType` on the assignment.",
 arm='{ "type": "Microsoft.Authorization/roleAssignments", "properties": { "principalId": "[reference(...).principalId]", "principalType": "ServicePrincipal", "roleDefinitionId": "..." } }',
 refs=[f"{LEARN}/role-based-access-control/role-assignments-template#new-service-principal", ACR_ROLES])

def render(id, d):
    out = [f"# {id}: {d['title']}", "",
           "| Family | Severity | Needs | Works offline |", "|---|---|---|---|",
           f"| {d['family']} | {d['severity']} | {d['needs'] or '—'} | {'yes' if d['offline'] else 'no (probe)'} |", "",
           "## What it checks", "", textwrap.fill(d["what"], 100, break_long_words=False, break_on_hyphens=False), "",
           "## Why it matters", "", textwrap.fill(d["why"], 100, break_long_words=False, break_on_hyphens=False), "",
           "## How to fix", "", d["fix"], ""]
    if d["arm"]:
        out += ["ARM:", "", "```json", d["arm"], "```", ""]
    out += ["## References", ""] + [f"- {r}" for r in d["refs"]] + [""]
    return "\n".join(out)

os.makedirs(ROOT, exist_ok=True)
for id, d in D.items():
    with open(os.path.join(ROOT, f"{id}.md"), "w") as f:
        f.write(render(id, d))
print(f"wrote {len(D)} docs")
