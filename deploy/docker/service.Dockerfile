# One recipe for the image of every PretixOps service. The five differ only in project name and port,
# passed as build arguments (see docker-stack.yml and `make images`); five copies of this file would drift.
#
#   DOCKER_BUILDKIT=1 docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=Registration --build-arg PORT=5101 .
#
# Production builds publish inside Microsoft's SDK image and run on Microsoft's ASP.NET image. Where no
# registry is reachable, `make images` publishes on the host instead (PUBLISH=context, from artifacts/publish/)
# and passes a locally imported runtime image as BASE_IMAGE. BuildKit builds only the stage that PUBLISH
# names, so the SDK image is never pulled then.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG PUBLISH=sdk

FROM ${SDK_IMAGE} AS publish-sdk
ARG SERVICE
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY contracts/ contracts/
COPY libraries/ libraries/
COPY services/ services/
COPY tools/ tools/
# The app hosts are copied under fixed names so that ENTRYPOINT, HEALTHCHECK and PATH need no build argument.
# opsctl travels in every image: an operator who `docker exec`s into a service finds it configured by the
# service's own Messaging__* variables.
RUN dotnet publish "services/${SERVICE}/${SERVICE}.csproj" -c Release -o /app --no-self-contained \
 && cp "/app/PretixOps.${SERVICE}" /app/service \
 && dotnet publish tools/Opsctl/Opsctl.csproj -c Release -o /opt/opsctl --no-self-contained \
 && cp /opt/opsctl/PretixOps.Opsctl /opt/opsctl/opsctl

FROM scratch AS publish-context
ARG SERVICE
COPY artifacts/publish/${SERVICE}/ /app/
COPY artifacts/publish/Opsctl/ /opt/opsctl/

FROM publish-${PUBLISH} AS publish

FROM ${BASE_IMAGE}
ARG PORT
# Microsoft's images define this user (the local runtime image too); it owns nothing in /app, so the
# service cannot rewrite itself.
ARG APP_UID=1654
WORKDIR /app
# Where docker-stack.yml mounts the services' volumes. A new named volume takes the owner of the folder it
# is mounted on, so the service's user can write to it.
RUN mkdir -p /var/lib/pretixops/sd /var/lib/pretixops/state /var/lib/pretixops/scaler \
 && chown -R ${APP_UID}:${APP_UID} /var/lib/pretixops
COPY --from=publish /app/ ./
COPY --from=publish /opt/opsctl/ /opt/opsctl/
ENV PATH="/opt/opsctl:${PATH}"
EXPOSE ${PORT}
USER ${APP_UID}
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/app/service", "--healthcheck"]
ENTRYPOINT ["/app/service"]
