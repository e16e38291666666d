# One recipe for the image of every PretixOps service. The five differ only in project name and port,
# passed as build arguments (see docker-stack.yml and `make images`); five copies of this file would drift.
#
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=Registration --build-arg PORT=5101 .
#
# BASE_IMAGE and SDK_IMAGE default to Microsoft's .NET images; where no registry is reachable, pass a
# locally imported image instead.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
ARG SERVICE
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY contracts/ contracts/
COPY services/ services/
# The app host is copied under a fixed name so that ENTRYPOINT and HEALTHCHECK need no build argument.
RUN dotnet publish "services/${SERVICE}/${SERVICE}.csproj" -c Release -o /app --no-self-contained \
 && cp "/app/PretixOps.${SERVICE}" /app/service

FROM ${BASE_IMAGE}
ARG PORT
# Microsoft's images define this user; it owns nothing in /app, so the service cannot rewrite itself.
ARG APP_UID=1654
WORKDIR /app
COPY --from=build /app/ ./
EXPOSE ${PORT}
USER ${APP_UID}
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/app/service", "--healthcheck"]
ENTRYPOINT ["/app/service"]
