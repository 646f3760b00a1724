# Reference outputs of the R package `surveillance` (GPL-2) on the Salmonella Agona
# series, for the tests of qurb.algo.outbreak. Run from this folder:
#   Rscript reference.R
# It writes one CSV per setting (week, observed, expected, upperbound, alarm; NA kept),
# settings.csv (the parameters of each file), versions.txt (R and surveillance) and
# salmonella.agona.csv (the series with each week's start date, for `qurb watch detect`).
suppressPackageStartupMessages(library(surveillance))

series <- read.table("salmonella.agona.txt", header = TRUE)
observed <- series$observed
n <- length(observed)
# Dated: weekly epochs from Monday 1 January 1990 (ISO week 1 of 1990), so that the
# reference weeks are taken by date (1992 has an ISO week 53); undated: freq 52, by index.
dates <- as.Date("1990-01-01") + 7 * (seq_len(n) - 1)
make_sts <- function(dated) {
  if (dated) {
    sts(observed = observed, epoch = as.numeric(dates), epochAsDate = TRUE, frequency = 52,
        start = c(1990, 1))
  } else {
    sts(observed = observed, frequency = 52, start = c(1990, 1))
  }
}

fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", as.numeric(x)))
settings <- list()

write_result <- function(name, dated, range, upperbound, alarm, expected, params) {
  week <- if (dated) format(dates[range]) else as.character(range)
  out <- data.frame(
    week = week, observed = observed[range], expected = fmt(as.vector(expected)),
    upperbound = fmt(as.vector(upperbound)),
    alarm = ifelse(is.na(as.vector(alarm)), "NA", ifelse(as.vector(alarm), "TRUE", "FALSE"))
  )
  file <- paste0(name, if (dated) "_dated" else "_undated", ".csv")
  write.csv(out, file, row.names = FALSE, quote = FALSE)
  row <- c(list(file = file, dated = dated, range_from = min(range), range_to = max(range)),
           params)
  settings[[length(settings) + 1]] <<- row
}

all_params <- c("method", "b", "w", "alpha", "reweight", "trend", "noPeriods",
                "pastWeeksNotIncluded", "weightsThreshold", "pThresholdTrend",
                "thresholdMethod", "baseline", "k", "h", "trans")

for (dated in c(TRUE, FALSE)) {
  # EARS C1, C2, C3: baseline 7, alpha as R's defaults; the last two years.
  range <- 209:n
  for (method in c("C1", "C2", "C3")) {
    res <- earsC(make_sts(dated), control = list(range = range, method = method, baseline = 7))
    write_result(paste0("ears_", tolower(method)), dated, range, upperbound(res), alarms(res),
                 rep(NA, length(range)),
                 list(method = paste0("ears-", tolower(method)), baseline = 7))
  }
  # Classic Farrington: b 5, w 3, reweight, trend, alpha 0.05 (R's defaults).
  range <- 268:n
  disprog <- sts2disProg(make_sts(dated))
  res <- algo.farrington(disprog, control = list(range = range, b = 5, w = 3, reweight = TRUE,
                                                 trend = TRUE, alpha = 0.05))
  write_result("farrington", dated, range, res$upperbound, res$alarm, rep(NA, length(range)),
               list(method = "farrington", b = 5, w = 3, alpha = 0.05, reweight = TRUE,
                    trend = TRUE))
  # Farrington flexible: R's defaults, and Noufaily's settings, for each threshold method;
  # b 5 over the last 45 weeks and b 3 over the last two years.
  for (b in c(5, 3)) {
    range <- if (b == 5) 268:n else 209:n
    for (noufaily in c(FALSE, TRUE)) {
      for (threshold in c("delta", "nbPlugin", "muan")) {
        control <- list(range = range, b = b, w = 3, thresholdMethod = threshold,
                        alpha = 0.05, glmWarnings = FALSE)
        if (noufaily) {
          control <- c(control, list(noPeriods = 10, pastWeeksNotIncluded = 26,
                                     weightsThreshold = 2.58, pThresholdTrend = 1))
        }
        res <- farringtonFlexible(make_sts(dated), control = control)
        params <- list(method = if (noufaily) "noufaily" else "farrington-flexible", b = b,
                       w = 3, alpha = 0.05, reweight = TRUE, trend = TRUE,
                       noPeriods = if (noufaily) 10 else 1,
                       pastWeeksNotIncluded = if (noufaily) 26 else 3,
                       weightsThreshold = 2.58, pThresholdTrend = if (noufaily) 1 else 0.05,
                       thresholdMethod = threshold)
        name <- paste0(if (noufaily) "noufaily" else "flexible", "_", tolower(threshold),
                       "_b", b)
        write_result(name, dated, range, upperbound(res), alarms(res),
                     res@control$expected[, 1], params)
      }
    }
  }
  # CUSUM: k 1.04, h 2.26 (R's defaults), m the mean before the range, no reset.
  range <- 209:n
  for (trans in c("standard", "anscombe")) {
    res <- algo.cusum(sts2disProg(make_sts(dated)),
                      control = list(range = range, k = 1.04, h = 2.26, trans = trans))
    write_result(paste0("cusum_", trans), dated, range, res$upperbound, res$alarm,
                 rep(res$control$m, length(range)),
                 list(method = "cusum", k = 1.04, h = 2.26, trans = trans))
  }
}

# Other values of the parameters: each method away from R's defaults.
for (dated in c(TRUE, FALSE)) {
  range <- 209:n
  res <- earsC(make_sts(dated), control = list(range = range, method = "C2", baseline = 10,
                                               alpha = 0.05))
  write_result("var_ears_c2_baseline10_alpha05", dated, range, upperbound(res), alarms(res),
               rep(NA, length(range)),
               list(method = "ears-c2", baseline = 10, alpha = 0.05))
  res <- algo.cusum(sts2disProg(make_sts(dated)),
                    control = list(range = range, k = 0.5, h = 4, trans = "anscombe"))
  write_result("var_cusum_anscombe_k05_h4", dated, range, res$upperbound, res$alarm,
               rep(res$control$m, length(range)),
               list(method = "cusum", k = 0.5, h = 4, trans = "anscombe"))
  res <- algo.farrington(sts2disProg(make_sts(dated)),
                         control = list(range = range, b = 3, w = 2, reweight = FALSE,
                                        trend = TRUE, alpha = 0.01))
  write_result("var_farrington_b3_w2_noreweight", dated, range, res$upperbound, res$alarm,
               rep(NA, length(range)),
               list(method = "farrington", b = 3, w = 2, alpha = 0.01, reweight = FALSE,
                    trend = TRUE))
  for (reweight in c(FALSE, TRUE)) {
    control <- list(range = range, b = 3, w = 2, reweight = reweight, trend = !reweight,
                    alpha = 0.01, thresholdMethod = "muan", noPeriods = 4,
                    pastWeeksNotIncluded = 8, weightsThreshold = 1.5,
                    pThresholdTrend = 0.1, glmWarnings = FALSE)
    res <- farringtonFlexible(make_sts(dated), control = control)
    write_result(paste0("var_flexible_", if (reweight) "reweight" else "noreweight"), dated,
                 range, upperbound(res), alarms(res), res@control$expected[, 1],
                 list(method = "farrington-flexible", b = 3, w = 2, alpha = 0.01,
                      reweight = reweight, trend = !reweight, noPeriods = 4,
                      pastWeeksNotIncluded = 8, weightsThreshold = 1.5,
                      pThresholdTrend = 0.1, thresholdMethod = "muan"))
  }
}

# Unknown counts (NA, as an incomplete week is for detection): the same series with weeks
# 230, 231, 260 and 300 unknown, for the methods that take NA (EARS, Farrington flexible).
observed_complete <- observed
observed[c(230, 231, 260, 300)] <- NA
for (dated in c(TRUE, FALSE)) {
  range <- 209:n
  for (method in c("C1", "C3")) {
    res <- earsC(make_sts(dated), control = list(range = range, method = method, baseline = 7))
    write_result(paste0("na_ears_", tolower(method)), dated, range, upperbound(res),
                 alarms(res), rep(NA, length(range)),
                 list(method = paste0("ears-", tolower(method)), baseline = 7))
  }
  for (noufaily in c(FALSE, TRUE)) {
    threshold <- if (noufaily) "nbPlugin" else "delta"
    control <- list(range = range, b = 3, w = 3, thresholdMethod = threshold, alpha = 0.05,
                    glmWarnings = FALSE)
    if (noufaily) {
      control <- c(control, list(noPeriods = 10, pastWeeksNotIncluded = 26,
                                 weightsThreshold = 2.58, pThresholdTrend = 1))
    }
    res <- farringtonFlexible(make_sts(dated), control = control)
    write_result(paste0("na_", if (noufaily) "noufaily" else "flexible", "_",
                        tolower(threshold), "_b3"), dated, range, upperbound(res), alarms(res),
                 res@control$expected[, 1],
                 list(method = if (noufaily) "noufaily" else "farrington-flexible", b = 3,
                      w = 3, alpha = 0.05, reweight = TRUE, trend = TRUE,
                      noPeriods = if (noufaily) 10 else 1,
                      pastWeeksNotIncluded = if (noufaily) 26 else 3,
                      weightsThreshold = 2.58, pThresholdTrend = if (noufaily) 1 else 0.05,
                      thresholdMethod = threshold))
  }
}
observed <- observed_complete

# The series as `qurb watch detect` reads it: each week's start date and its count.
write.csv(data.frame(week_start = format(dates), observed = observed), "salmonella.agona.csv",
          row.names = FALSE, quote = FALSE)

table <- do.call(rbind, lapply(settings, function(s) {
  row <- lapply(c("file", "dated", "range_from", "range_to", all_params), function(p) {
    v <- s[[p]]
    if (is.null(v)) "" else as.character(v)
  })
  names(row) <- c("file", "dated", "range_from", "range_to", all_params)
  as.data.frame(row, stringsAsFactors = FALSE)
}))
write.csv(table, "settings.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("surveillance", packageVersion("surveillance"))),
           "versions.txt")
