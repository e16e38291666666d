# The two commands of the README are `make up` and `make test`; the rest are their parts.
SHELL := /bin/bash
.DEFAULT_GOAL := help

INFRA := deploy/local/infra.sh
SERVICES := deploy/local/services.sh
OPSCTL := deploy/local/opsctl.sh
DEMO := deploy/local/demo.sh

.PHONY: help up demo down status infra build images test bench fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

up: ## install what is missing, start the infrastructure, the five services and the demo workload, install opsctl, print what runs where
	@$(INFRA) up
	@$(SERVICES) up
	@$(OPSCTL) install
	@$(DEMO) up
	@$(MAKE) --no-print-directory status

demo: ## walk the whole loop on the running stack: registration, alert, scale up, resolution, scale down
	@$(DEMO) run

status: ## what runs where
	@$(INFRA) status
	@echo
	@$(SERVICES) status
	@echo
	@[ ! -f .local/infra.env ] || $(DEMO) status
	@echo
	@$(OPSCTL) status

down: ## stop everything `make up` or `make test` started, and nothing else
	@[ ! -f .local/infra.env ] || $(DEMO) down
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

fuzz: infra ## the fuzz campaign, 100,000 hostile cases against the five services (FUZZ_CASES, FUZZ_SEED change or replay it); summary in .local/fuzz/summary.md
	@mkdir -p .local/logs .local/fuzz; rm -f .local/fuzz/summary.md; \
		FUZZ_CASES=$${FUZZ_CASES:-100000} FUZZ_SUMMARY=$(CURDIR)/.local/fuzz/summary.md \
		dotnet test tests/Fuzz.Tests --nologo --filter FullyQualifiedName~CampaignTests --logger "console;verbosity=detailed" \
		>.local/logs/fuzz.log 2>&1; status=$$?; \
		cat .local/fuzz/summary.md 2>/dev/null || grep -E 'error|Assert|Failed' .local/logs/fuzz.log | head -n 40; \
		grep -E 'Test Run (Successful|Failed)' .local/logs/fuzz.log; echo "log: .local/logs/fuzz.log"; exit $$status

bench: infra ## run every benchmark against its peer in one go; one report, .local/bench/report.md, with a chart
	@dotnet build Microservices.sln -c Release -v quiet -nologo >.local/logs/bench-build.log 2>&1 \
		|| { grep -E 'error|Error' .local/logs/bench-build.log | sort -u | tail -n 20 >&2; exit 1; }
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll registration
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll alerts
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll scaler
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll scaler-signals
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll scaler-cost
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll scaler-journal
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll replay
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll snmp
	@dotnet tests/Benchmarks/bin/Release/net10.0/PretixOps.Benchmarks.dll report
