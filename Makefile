# The two commands of the README are `make up` and `make test`; the rest are their parts.
SHELL := /bin/bash
.DEFAULT_GOAL := help

INFRA := deploy/local/infra.sh
SERVICES := deploy/local/services.sh

.PHONY: help up down status infra build images test bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

up: ## install what is missing, start the infrastructure and the five services, print what runs where
	@$(INFRA) up
	@$(SERVICES) up
	@$(MAKE) --no-print-directory status

status: ## what runs where
	@$(INFRA) status
	@echo
	@$(SERVICES) status

down: ## stop everything `make up` or `make test` started, and nothing else
	@$(SERVICES) down
	@$(INFRA) down

infra: ## only the infrastructure (RabbitMQ, dockerd in swarm mode, snmpd, Prometheus, Alertmanager)
	@$(INFRA) up

build: ## build the solution
	dotnet build Microservices.sln

images: infra ## the images of the control plane for the local swarm (cached outside the clone: deploy/docker/images.sh)
	@deploy/docker/images.sh build

test: infra images ## start what the tests need and run the whole suite, unit and integration
	@deploy/local/test.sh

bench: infra ## run the benchmarks against their peers in one go; the report goes to .local/bench/
	@dotnet build Microservices.sln -c Release -v quiet -nologo >/dev/null
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll registration
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll alerts
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll scaler
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll replay
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll snmp
