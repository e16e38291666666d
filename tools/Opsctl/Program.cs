using PretixOps.Opsctl;

// opsctl: dead letters (list, show, replay, purge, archive), the Scaler's status, controls and decisions, the registry,
// scaling by hand.
return await OpsctlCommands.RunAsync(args);
