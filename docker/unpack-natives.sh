#!/bin/sh
# Copies the native libraries the server loads out of the packaged jar into one folder of the image:
# ONNX Runtime (and its CUDA provider libraries in the cuda build), DJL's HF tokenizers, Netty's epoll transport.
# Loaded from there (DMTD_ENGINE_LIBRARY_FOLDER, RUST_LIBRARY_PATH, java.library.path), nothing is unpacked at
# run time, so the container runs with a read-only root filesystem and a noexec /tmp (docker run --read-only
# --tmpfs /tmp mounts it noexec): a library copied to /tmp could not be mapped executable there.
# usage: unpack-natives.sh APP_JAR TARGET_FOLDER
set -eu
app_jar=$(realpath "$1")
target=$(realpath -m "$2")
case "$(uname -m)" in
  x86_64) ort=linux-x64; djl=linux-x86_64; netty=x86_64 ;;
  aarch64) ort=linux-aarch64; djl=linux-aarch64; netty=aarch_64 ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$target"
cd "$work"
jar xf "$app_jar" BOOT-INF/lib
for lib in BOOT-INF/lib/onnxruntime*.jar BOOT-INF/lib/tokenizers-*.jar BOOT-INF/lib/netty-transport-native-epoll-*.jar; do
  [ -f "$lib" ] && jar xf "$lib" ai/onnxruntime/native native/lib META-INF/native
done
cp ai/onnxruntime/native/$ort/libonnxruntime.so "$target"/
cp ai/onnxruntime/native/$ort/libonnxruntime_providers_*.so "$target"/ 2>/dev/null || true  # cuda build only
cp native/lib/$djl/cpu/libtokenizers.so "$target"/
# the epoll transport is optional (Netty falls back to NIO); its jar exists for x86_64 only
cp META-INF/native/libnetty_transport_native_epoll_$netty.so "$target"/ 2>/dev/null || true
ls -l "$target"
