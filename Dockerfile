# syntax=docker/dockerfile:1
# CPU image:  docker build -t dmtd-server .
# GPU image:  docker build -t dmtd-server:cuda --build-arg PROFILE=cuda --target cuda .
ARG PROFILE=default

FROM maven:3.9-eclipse-temurin-25 AS build
ARG PROFILE
WORKDIR /src
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline -P${PROFILE} || true
COPY src ./src
COPY onnx-export ./onnx-export
RUN mvn -B -ntp -P${PROFILE} -DskipTests -DskipPythonTests package

FROM eclipse-temurin:25-jre AS cpu
RUN useradd --system --uid 10001 dmtd
WORKDIR /app
COPY --from=build /src/target/dmtd-server.jar /app/dmtd-server.jar
USER 10001
EXPOSE 8080
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 --enable-native-access=ALL-UNNAMED"
ENTRYPOINT ["java", "-jar", "/app/dmtd-server.jar"]

# ONNX Runtime 1.29's CUDA provider needs CUDA 12 and cuDNN 9 next to a Java 25 runtime.
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS cuda
COPY --from=eclipse-temurin:25-jre /opt/java/openjdk /opt/java/openjdk
ENV PATH=/opt/java/openjdk/bin:$PATH
RUN useradd --system --uid 10001 dmtd
WORKDIR /app
COPY --from=build /src/target/dmtd-server.jar /app/dmtd-server.jar
USER 10001
EXPOSE 8080
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 --enable-native-access=ALL-UNNAMED" \
    DMTD_DEVICE=cuda
ENTRYPOINT ["java", "-jar", "/app/dmtd-server.jar"]

FROM cpu
