"""`pam devices`: the microphones and speakers PAM can use, and how to pick one."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from pam.audio.devices import list_devices, no_device_error

NAME = "devices"
HELP = "list microphones and speakers (for audio.input_device / audio.output_device)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the list as JSON")


def run(args: argparse.Namespace) -> int:
    devices = list_devices()
    if args.json:
        print(json.dumps([asdict(d) for d in devices], indent=2))
        return 0
    if not devices:
        raise no_device_error("input", "PortAudio lists no devices")
    width = max(len(d.name) for d in devices)
    print(f"{'#':>3}  {'name':<{width}}  {'in':>3}  {'out':>3}  {'rate':>6}  default")
    for d in devices:
        default = ", ".join(k for k, on in (("input", d.is_default_input), ("output", d.is_default_output)) if on)
        print(f"{d.index:>3}  {d.name:<{width}}  {d.inputs:>3}  {d.outputs:>3}  {d.default_rate:>6.0f}  {default}")
    print(
        "\nTo choose one, set audio.input_device / audio.output_device in the config (or "
        "PAM_AUDIO_INPUT_DEVICE / PAM_AUDIO_OUTPUT_DEVICE) to part of its name; empty means the default."
    )
    return 0
