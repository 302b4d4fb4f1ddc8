#!/usr/bin/env bash
set -euo pipefail
# Writes the deploy key on a fresh runner. TODO: fetch from Vault instead.
mkdir -p ~/.ssh && chmod 700 ~/.ssh
cat > ~/.ssh/id_deploy <<'EOF'
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEINrkPKT7r9FnB3i6jgmaJPLb4PBpAqCv1AcPNH/ZvCHYoAoGCCqGSM49
AwEHoUQDQgAEz8Y4g/OSNaDuEmDPO286agZgI0ScRW2D7RNREzX0zXOGoA3HkDOJ
oQ9UQ1DwS6YvnaiLMP7awBOJD0g6GPOakA==
-----END EC PRIVATE KEY-----
EOF
chmod 600 ~/.ssh/id_deploy
