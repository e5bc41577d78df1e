//! The timing harness: warm-up, then samples until a time budget is spent; a summary with
//! percentiles and spread. Fast operations are timed in batches so that one sample lasts at
//! least ~20 µs (the clock's overhead stays below 0.1 %).
//!
//! Environment: `MITID_BENCH_QUICK=1` shortens every budget tenfold (smoke runs);
//! `MITID_BENCH_OUT=<file>` appends every summary as one JSON line.
//! Arguments: the first argument that is not a flag filters benchmarks by substring.

use std::io::Write;
use std::time::{Duration, Instant};

/// Time budget of one benchmark.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Warm-up before sampling.
    pub warmup: Duration,
    /// Sampling time.
    pub time: Duration,
    /// At least this many samples, even past `time`.
    pub min_samples: usize,
    /// At most this many samples.
    pub max_samples: usize,
}

impl Budget {
    /// Warm-up 0.3 s, sampling 2 s, 10 to 100 000 samples (shortened by `MITID_BENCH_QUICK`).
    pub fn standard() -> Self {
        Self {
            warmup: Duration::from_millis(300),
            time: Duration::from_secs(2),
            min_samples: 10,
            max_samples: 100_000,
        }
        .scaled()
    }

    /// For slow operations (tens of milliseconds): warm-up 2 runs' worth, at least 30 samples.
    pub fn slow() -> Self {
        Self {
            warmup: Duration::from_millis(200),
            time: Duration::from_secs(3),
            min_samples: 30,
            max_samples: 10_000,
        }
        .scaled()
    }

    fn scaled(mut self) -> Self {
        if quick() {
            self.warmup /= 10;
            self.time /= 10;
            self.min_samples = self.min_samples.min(5);
        }
        self
    }
}

/// Whether `MITID_BENCH_QUICK` asks for a smoke run.
pub fn quick() -> bool {
    std::env::var_os("MITID_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The benchmark filter: the first argument that is not a flag (cargo passes `--bench`).
pub fn filter() -> Option<String> {
    std::env::args().skip(1).find(|a| !a.starts_with('-'))
}

/// Whether the benchmark `name` is selected by the filter.
pub fn selected(name: &str) -> bool {
    filter().is_none_or(|f| name.contains(&f))
}

/// A distribution of per-operation times (seconds).
#[derive(Debug, Clone)]
pub struct Summary {
    /// The benchmark's name.
    pub name: String,
    /// Samples taken.
    pub samples: usize,
    /// Operations per sample (batching of fast operations).
    pub batch: u64,
    /// Fastest sample.
    pub min: f64,
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest sample.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Summary {
    /// Summarises `seconds` (one value per operation), batch `batch`.
    pub fn of(name: &str, mut seconds: Vec<f64>, batch: u64) -> Self {
        assert!(!seconds.is_empty(), "no samples for {name}");
        seconds.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            let rank = (p / 100.0 * (seconds.len() - 1) as f64).round() as usize;
            seconds[rank.min(seconds.len() - 1)]
        };
        Self {
            name: name.to_owned(),
            samples: seconds.len(),
            batch,
            min: seconds[0],
            p10: pct(10.0),
            p50: pct(50.0),
            p90: pct(90.0),
            p99: pct(99.0),
            max: seconds[seconds.len() - 1],
            mean: seconds.iter().sum::<f64>() / seconds.len() as f64,
        }
    }

    /// The spread: (p90 − p10) / p50, in percent.
    pub fn spread(&self) -> f64 {
        if self.p50 > 0.0 {
            (self.p90 - self.p10) / self.p50 * 100.0
        } else {
            0.0
        }
    }

    /// Prints one table row and appends the JSON line to `$MITID_BENCH_OUT`.
    pub fn report(&self) {
        println!(
            "{:<44} {:>7} {:>10} {:>10} {:>10} {:>10} {:>7.1}%",
            self.name,
            self.samples,
            human(self.min),
            human(self.p50),
            human(self.p90),
            human(self.p99),
            self.spread()
        );
        record(&serde_json::json!({
            "name": self.name,
            "samples": self.samples,
            "batch": self.batch,
            "min_s": self.min,
            "p10_s": self.p10,
            "p50_s": self.p50,
            "p90_s": self.p90,
            "p99_s": self.p99,
            "max_s": self.max,
            "mean_s": self.mean,
            "spread_pct": self.spread(),
        }));
    }
}

/// The table header matching [`Summary::report`].
pub fn header(title: &str) {
    println!("\n## {title}");
    println!(
        "{:<44} {:>7} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "benchmark", "samples", "min", "p50", "p90", "p99", "spread"
    );
}

/// Appends `value` as one JSON line to `$MITID_BENCH_OUT`, when set.
pub fn record(value: &serde_json::Value) {
    if let Some(path) = std::env::var_os("MITID_BENCH_OUT") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{value}");
        }
    }
}

/// `1.23 µs`, `45.6 ms`, ...
pub fn human(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else if seconds >= 1e-6 {
        format!("{:.2} µs", seconds * 1e6)
    } else {
        format!("{:.1} ns", seconds * 1e9)
    }
}

/// Times `op` (one operation per call) within `budget` and reports it.
pub fn run<F: FnMut()>(name: &str, budget: Budget, mut op: F) -> Option<Summary> {
    if !selected(name) {
        return None;
    }
    // Warm-up, and a first estimate of one operation's time.
    let start = Instant::now();
    let mut warm = 0u64;
    while warm < 2 || start.elapsed() < budget.warmup {
        op();
        warm += 1;
    }
    let per_op = start.elapsed().as_secs_f64() / warm as f64;
    let batch = ((20e-6 / per_op).ceil() as u64).max(1);
    let mut samples = Vec::new();
    let sampling = Instant::now();
    while samples.len() < budget.max_samples
        && (samples.len() < budget.min_samples || sampling.elapsed() < budget.time)
    {
        let t = Instant::now();
        for _ in 0..batch {
            op();
        }
        samples.push(t.elapsed().as_secs_f64() / batch as f64);
    }
    let summary = Summary::of(name, samples, batch);
    summary.report();
    Some(summary)
}

/// Times `op`, which measures itself and returns one duration per call (for operations that
/// need fresh, untimed setup on each run), and reports it.
pub fn run_timed<F: FnMut() -> Duration>(name: &str, budget: Budget, mut op: F) -> Option<Summary> {
    if !selected(name) {
        return None;
    }
    let start = Instant::now();
    let mut warm = 0;
    while warm < 2 || start.elapsed() < budget.warmup {
        op();
        warm += 1;
    }
    let mut samples = Vec::new();
    let sampling = Instant::now();
    while samples.len() < budget.max_samples
        && (samples.len() < budget.min_samples || sampling.elapsed() < budget.time)
    {
        samples.push(op().as_secs_f64());
    }
    let summary = Summary::of(name, samples, 1);
    summary.report();
    Some(summary)
}
