#!/usr/bin/env bash
# Build a distributable PAM for Linux x86-64: dist/pam/ (one folder, run dist/pam/pam) and
# dist/pam-linux-x86_64.tar.gz. PyInstaller is installed beside PAM's venv (build/pyinstaller-tools),
# not into it. The bundle needs these system packages on the target machine: libportaudio2,
# espeak-ng and a sound server (PulseAudio or PipeWire), plus the Qt xcb libraries (see
# scripts/system-packages.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
./dev setup
python=$(./dev python -c 'import sys; print(sys.executable)')
tools=build/pyinstaller-tools
"$python" -m pip install -q --target "$tools" "pyinstaller>=6.10"
PYTHONPATH="$tools" "$python" -m PyInstaller --noconfirm --clean \
  --distpath dist --workpath build/pyinstaller packaging/pam.spec
tar -C dist -czf dist/pam-linux-x86_64.tar.gz pam
echo "Built dist/pam/pam and dist/pam-linux-x86_64.tar.gz; install with packaging/install-bundle.sh"
