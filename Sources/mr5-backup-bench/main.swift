// Placeholder until the benchmark lands.
print("mr5-backup-bench: not written yet")
