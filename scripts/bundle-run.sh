#!/usr/bin/env bash
# The launcher of a stylize-gpu bundle (scripts/bundle copies this file to OUT_DIR/run.sh).
#
#   run.sh devices [--json]        the OpenCL devices, as `stylize-gpu devices`
#   run.sh --content A --style B … stylize-gpu with those arguments (see run.sh --help)
#   run.sh bench …                 stylize-bench with those arguments (see run.sh bench --help)
#
# It makes the bundle's lib/ visible (LD_LIBRARY_PATH), points STYLIZE_GPU_WEIGHTS at the
# bundle's weights unless it is set, keeps the caches under ${XDG_CACHE_HOME:-$HOME/.cache},
# and makes sure the OpenCL ICD loader sees the GPU vendor's OpenCL library: when no .icd
# file of $OCL_ICD_VENDORS (else /etc/OpenCL/vendors) names a vendor library that is
# installed (libnvidia-opencl.so.1, libamdocl64.so, libigdrcl.so, found with ldconfig or in
# the usual folders), it writes one, beside copies of the usable ones, into the bundle's
# var/icd/ (or ${TMPDIR:-/tmp}/stylize-gpu-bundle-UID/icd/ when the bundle is read-only)
# and exports OCL_ICD_VENDORS there. STYLIZE_RUN_ICD=off leaves the ICDs alone;
# STYLIZE_RUN_VENDOR_DIRS (colon-separated) names more folders to look in and
# STYLIZE_RUN_VENDOR_LIBS (space-separated) other library names.
# Before running stylize-gpu it lists the devices on stderr (STYLIZE_RUN_QUIET=1: not).
set -euo pipefail
bundle="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { [ "${STYLIZE_RUN_QUIET:-0}" = 1 ] || echo "run.sh: $*" >&2; }

# A folder this script may write into: the bundle's own when writable, else a temporary one.
writable=""
writable_dir() {
    if [ -z "$writable" ]; then
        if mkdir -p "$bundle/var" 2>/dev/null && [ -w "$bundle/var" ]; then
            writable="$bundle/var"
        else
            # One folder per user, reused from run to run; it must be this user's own.
            writable="${TMPDIR:-/tmp}/stylize-gpu-bundle-$(id -u)"
            mkdir -p -m 700 "$writable"
            if [ ! -O "$writable" ] || [ ! -w "$writable" ]; then
                writable="$(mktemp -d "${TMPDIR:-/tmp}/stylize-gpu-bundle.XXXXXX")"
            fi
        fi
    fi
    echo "$writable"
}

# Libraries: the bundle's; libstdc++ and libgcc_s only where the system has none (a newer
# system copy must win, the GPU driver may need it).
ldconfig_list="$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null || true)"
has_system_lib() {
    grep -q "[[:space:]]$1 (" <<<"$ldconfig_list" && return 0
    local dir
    for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
        [ -e "$dir/$1" ] && return 0
    done
    return 1
}
libpath="$bundle/lib"
if [ -d "$bundle/lib/fallback" ]; then
    for lib in "$bundle"/lib/fallback/*; do
        if ! has_system_lib "$(basename "$lib")"; then
            libpath="$libpath:$bundle/lib/fallback"
            break
        fi
    done
fi
export LD_LIBRARY_PATH="$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ -z "${STYLIZE_GPU_WEIGHTS:-}" ] && [ -f "$bundle/weights/vgg19-q8.safetensors" ]; then
    export STYLIZE_GPU_WEIGHTS="$bundle/weights/vgg19-q8.safetensors"
fi

# Caches (compiled programs, GEMM tuning) go to ${XDG_CACHE_HOME:-$HOME/.cache}/stylize-gpu
# (the engine alone would take the passwd entry's home, not $HOME); without either
# writable, under the writable folder.
if [ -z "${STYLIZE_GPU_CACHE_DIR:-}" ]; then
    cache_parent="${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}}"
    if [ -n "$cache_parent" ] && mkdir -p "$cache_parent/stylize-gpu" 2>/dev/null && [ -w "$cache_parent/stylize-gpu" ]; then
        export STYLIZE_GPU_CACHE_DIR="$cache_parent/stylize-gpu"
    else
        export STYLIZE_GPU_CACHE_DIR="$(writable_dir)/cache"
    fi
fi

# OpenCL vendors. A library named by an .icd file counts when it is an existing absolute path
# or a name the dynamic loader finds.
lib_resolves() {
    case "$1" in
        /*) [ -e "$1" ] ;;
        *)
            has_system_lib "$1" && return 0
            local dir
            IFS=: read -r -a dirs <<<"$LD_LIBRARY_PATH"
            for dir in "${dirs[@]}"; do [ -n "$dir" ] && [ -e "$dir/$1" ] && return 0; done
            return 1
            ;;
    esac
}
find_vendor_lib() {
    local name="$1" line dir
    # $STYLIZE_RUN_VENDOR_DIRS (folders, colon-separated) first: an unusual driver location.
    IFS=: read -r -a dirs <<<"${STYLIZE_RUN_VENDOR_DIRS:-}"
    for dir in ${dirs[@]+"${dirs[@]}"}; do
        [ -n "$dir" ] && [ -e "$dir/$name" ] && { echo "$dir/$name"; return 0; }
    done
    line="$(grep -m1 "[[:space:]]$name (.*x86-64" <<<"$ldconfig_list" || true)"
    if [ -n "$line" ]; then
        echo "${line##*=> }"
        return 0
    fi
    for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib \
        /opt/rocm/lib /opt/rocm/opencl/lib /opt/intel/oneapi/lib; do
        [ -e "$dir/$name" ] && { echo "$dir/$name"; return 0; }
    done
    return 1
}
if [ "${STYLIZE_RUN_ICD:-auto}" != off ]; then
    vendors="${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}"
    usable_icds=()
    named=""
    if [ -d "$vendors" ]; then
        for icd in "$vendors"/*.icd; do
            [ -f "$icd" ] || continue
            lib="$(head -n 1 "$icd" | tr -d '[:space:]')"
            if [ -n "$lib" ] && lib_resolves "$lib"; then
                usable_icds+=("$icd")
                named="$named $(basename "$lib")"
            fi
        done
    fi
    # GPU vendors' OpenCL libraries: NVIDIA, AMD (ROCm), Intel (NEO); $STYLIZE_RUN_VENDOR_LIBS
    # (space-separated names) replaces the list.
    missing=()
    for name in ${STYLIZE_RUN_VENDOR_LIBS:-libnvidia-opencl.so.1 libamdocl64.so libigdrcl.so}; do
        case " $named " in *" $name "*) continue ;; esac
        # An ICD naming the same library by another path counts as naming it.
        case "$named" in *"${name%%.so*}"*) continue ;; esac
        if path="$(find_vendor_lib "$name")"; then missing+=("$path"); fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        icd_dir="$(writable_dir)/icd"
        rm -rf "$icd_dir"
        mkdir -p "$icd_dir"
        for icd in ${usable_icds[@]+"${usable_icds[@]}"}; do cp "$icd" "$icd_dir/"; done
        for path in "${missing[@]}"; do
            name="$(basename "$path")"
            echo "$path" >"$icd_dir/bundle-${name%%.so*}.icd"
            say "no ICD file names $name; using $path through $icd_dir"
        done
        export OCL_ICD_VENDORS="$icd_dir"
    elif [ ${#usable_icds[@]} -eq 0 ]; then
        say "no OpenCL vendor library found (no usable .icd in $vendors, no libnvidia-opencl.so.1); stylize-gpu will find no device"
    fi
fi

case "${1:-}" in
    bench)
        shift
        exec "$bundle/bin/stylize-bench" "$@"
        ;;
    devices | -h | --help | help) ;;
    *)
        if [ "${STYLIZE_RUN_QUIET:-0}" != 1 ]; then
            echo "run.sh: stylize-gpu devices" >&2
            "$bundle/bin/stylize-gpu" devices >&2 || echo "run.sh: stylize-gpu devices failed (status $?)" >&2
        fi
        ;;
esac
exec "$bundle/bin/stylize-gpu" "$@"
