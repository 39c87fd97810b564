# syntax=docker/dockerfile:1
# CPU image:  docker build -t dmtd-server:0.1.0 --target cpu .
# GPU image:  docker build -t dmtd-server:0.1.0-cuda --build-arg PROFILE=cuda --target cuda .
# Both run with a read-only root filesystem and a (noexec) tmpfs on /tmp:
#   docker run --read-only --tmpfs /tmp -p 8080:8080 dmtd-server:0.1.0
ARG PROFILE=default

FROM maven:3.9-eclipse-temurin-25 AS build
ARG PROFILE
WORKDIR /src
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline -P${PROFILE} || true
COPY src ./src
COPY onnx-export ./onnx-export
RUN mvn -B -ntp -P${PROFILE} -DskipTests -DskipPythonTests package
COPY docker/unpack-natives.sh /usr/local/bin/
RUN unpack-natives.sh target/dmtd-server.jar /src/native

FROM eclipse-temurin:25-jre AS cpu
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent dmtd
WORKDIR /app
COPY --from=build /src/target/dmtd-server.jar /app/dmtd-server.jar
COPY --from=build /src/native /app/native
USER 10001:10001
EXPOSE 8080
# Natives load from /app/native (nothing is unpacked); /tmp only takes data: the packaged model (ONNX Runtime
# reads files), JVM perf data and crash logs, DJL's cache (DJL_OFFLINE: never a download, the CPU flavour).
ENV DMTD_ENGINE_LIBRARY_FOLDER=/app/native \
    RUST_LIBRARY_PATH=/app/native/libtokenizers.so \
    DJL_CACHE_DIR=/tmp/djl \
    DJL_OFFLINE=true \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 --enable-native-access=ALL-UNNAMED -Djava.library.path=/app/native -Djava.io.tmpdir=/tmp -XX:ErrorFile=/tmp/hs_err_pid%p.log -XX:HeapDumpPath=/tmp"
ENTRYPOINT ["java", "-jar", "/app/dmtd-server.jar"]

# ONNX Runtime 1.29's CUDA provider needs CUDA 12 and cuDNN 9 next to a Java 25 runtime.
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS cuda
COPY --from=eclipse-temurin:25-jre /opt/java/openjdk /opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:$PATH
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent dmtd
WORKDIR /app
COPY --from=build /src/target/dmtd-server.jar /app/dmtd-server.jar
COPY --from=build /src/native /app/native
USER 10001:10001
EXPOSE 8080
# as the CPU image, plus the CUDA driver's JIT cache on /tmp (its default, ~/.nv, is read-only)
ENV DMTD_ENGINE_LIBRARY_FOLDER=/app/native \
    RUST_LIBRARY_PATH=/app/native/libtokenizers.so \
    DJL_CACHE_DIR=/tmp/djl \
    DJL_OFFLINE=true \
    CUDA_CACHE_PATH=/tmp/cuda-cache \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 --enable-native-access=ALL-UNNAMED -Djava.library.path=/app/native -Djava.io.tmpdir=/tmp -XX:ErrorFile=/tmp/hs_err_pid%p.log -XX:HeapDumpPath=/tmp" \
    DMTD_DEVICE=cuda
ENTRYPOINT ["java", "-jar", "/app/dmtd-server.jar"]

FROM cpu
