/**
 * Loaded with `--import` into a process bench/profile.ts profiles: the first SIGUSR2 starts the V8
 * CPU profiler, the second writes the profile to $BENCH_PROFILE_OUT. So start-up and warm-up stay
 * out of the profile (which `node --cpu-prof` cannot do).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
let started = false;
process.on('SIGUSR2', () => {
  if (!started) {
    started = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 100 }, () => session.post('Profiler.start')));
    return;
  }
  session.post('Profiler.stop', (error, result) => {
    writeFileSync(process.env.BENCH_PROFILE_OUT!, JSON.stringify(error ? { error: String(error) } : result.profile));
    process.stdout.write('PROFILE WRITTEN\n');
  });
});
