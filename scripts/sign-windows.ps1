# Signs one Windows file (the app, the NSIS setup, the MSI) with Azure Trusted Signing. Called by
# the Tauri bundler through `bundle.windows.signCommand` in tauri.release.conf.json, in the release
# pipeline only. The account comes from the pipeline's secrets (see the README, maintainers):
# AZURE_CLIENT_ID / AZURE_CLIENT_SECRET / AZURE_TENANT_ID (read by trusted-signing-cli itself) and
# AZURE_SIGNING_ENDPOINT / AZURE_SIGNING_ACCOUNT / AZURE_SIGNING_PROFILE.
param([Parameter(Mandatory = $true)][string]$File)
$ErrorActionPreference = 'Stop'
foreach ($name in 'AZURE_SIGNING_ENDPOINT', 'AZURE_SIGNING_ACCOUNT', 'AZURE_SIGNING_PROFILE') {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: the release cannot be signed." }
}
trusted-signing-cli -e $env:AZURE_SIGNING_ENDPOINT -a $env:AZURE_SIGNING_ACCOUNT -c $env:AZURE_SIGNING_PROFILE -d "Coupon Desk" $File
if ($LASTEXITCODE -ne 0) { throw "signing $File failed ($LASTEXITCODE)" }
