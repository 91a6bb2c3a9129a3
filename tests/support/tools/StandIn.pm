# What the stand-in tools (helm, argocd, kubectl-argo-rollouts, kubectl) share. Tests only.
#
# State: the directory holding $KUBECONFIG. The adapters hand their tools a controlled
# environment (KUBECONFIG, and ARGOCD_AUTH_TOKEN for argocd), so that is the one path a test
# can choose per run. In it:
#   argv.log      one JSON array per call: the argv the stand-in was given, argv[0] included
#   scenario.env  NAME=VALUE lines added to the environment on every call (switches a test can
#                 flip between plan and execute); variables already set win
#   *.json        the objects the tools serve, seeded from tests/fixtures/executors/ on first use
package StandIn;
use strict;
use warnings;
use File::Basename qw(dirname);
use JSON::PP;
use POSIX qw(strftime);
use Time::HiRes qw(sleep);
use Exporter 'import';
our @EXPORT = qw(state_dir scenario load_state save_state fixture fixture_text print_json
                 fail parse_args go_duration now sleep rollouts_cluster save_rollouts_cluster);

my $json = JSON::PP->new->canonical->pretty;

sub state_dir {
  my $kubeconfig = $ENV{KUBECONFIG} or die "stand-in: KUBECONFIG is not set\n";
  return dirname($kubeconfig);
}

# Logs the call and loads the scenario; every stand-in calls it first.
sub start {
  my $dir = state_dir();
  open(my $log, '>>', "$dir/argv.log") or die "stand-in: $dir/argv.log: $!\n";
  print $log JSON::PP->new->canonical->encode([$0, @ARGV]), "\n";
  close $log;
  if (open(my $env, '<', "$dir/scenario.env")) {
    while (<$env>) {
      chomp;
      next unless /^([A-Z0-9_]+)=(.*)$/;
      $ENV{$1} //= $2;
    }
  }
}

sub scenario { my ($name) = @_; return $ENV{"STANDIN_$name"} // ''; }

sub load_state {
  my ($name, $seed) = @_;
  my $file = state_dir() . "/$name.json";
  if (open(my $in, '<', $file)) { local $/; return decode_json(<$in>); }
  my $value = $seed->();
  save_state($name, $value);
  return $value;
}

sub save_state {
  my ($name, $value) = @_;
  my $file = state_dir() . "/$name.json";
  open(my $out, '>', "$file.tmp") or die "stand-in: $file: $!\n";
  print $out $json->encode($value);
  close $out;
  rename("$file.tmp", $file) or die "stand-in: $file: $!\n";
}

sub fixture_text {
  my ($path) = @_;
  my $file = dirname(__FILE__) . "/../../fixtures/executors/$path";
  open(my $in, '<', $file) or die "stand-in: $file: $!\n";
  local $/;
  return <$in>;
}

sub fixture { return decode_json(fixture_text(@_)); }

sub print_json { print $json->encode($_[0]); }

sub fail {
  my ($code, $text) = @_;
  print STDERR "$text\n";
  exit $code;
}

sub now { return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime()); }

# Positional words and flags; `valued` names the flags that take a value (`--f v` or `--f=v`).
sub parse_args {
  my ($valued, @args) = @_;
  my (@words, %flags);
  while (@args) {
    my $arg = shift @args;
    if ($arg =~ /^(--?[^=]+)=(.*)$/) { $flags{$1} = $2; }
    elsif ($arg =~ /^-/) { $flags{$arg} = $valued->{$arg} ? shift @args : 1; }
    else { push @words, $arg; }
  }
  return (\@words, \%flags);
}

# Go's duration syntax as far as the adapters use it ("300s", "1m30s", "2m"), in seconds.
sub go_duration {
  my ($text) = @_;
  my $seconds = 0;
  $seconds += $1 * { h => 3600, m => 60, s => 1 }->{$2} while $text =~ /(\d+(?:\.\d+)?)([hms])/g;
  return $seconds;
}

# The Argo Rollouts cluster that kubectl and kubectl-argo-rollouts share: the recorded blue-green
# Rollout (fixtures/argo-rollouts) at revision 3, its ReplicaSets for revisions 1..3 (2 runs the
# recorded image and pod-template hash) and its active Service. Switches:
#   STANDIN_ROLLOUT_STRATEGY=canary  a canary Rollout paused at 20 %, stable still revision 2
#   STANDIN_ROLLOUT_GC=1             every ReplicaSet but the live one is gone
my %hash_of = (1 => '5c8f7d9b6', 2 => 'dc689d967', 3 => '7b9c6d5f4');
my $image = 'quay.io/argoprojlabs/argocd-e2e-container';

sub rollouts_cluster {
  my $cluster = load_state('rollouts', sub {
    my $rollout = fixture('argo-rollouts/rollout-bluegreen-healthy.json');
    my $name = $rollout->{metadata}{name};
    my $active = $rollout->{spec}{strategy}{blueGreen}{activeService};
    my @replicasets = map {
      my $template = decode_json(encode_json($rollout->{spec}{template}));
      $template->{metadata}{labels}{'rollouts-pod-template-hash'} = $hash_of{$_};
      $template->{spec}{containers}[0]{image} = $_ == 2 ? $rollout->{spec}{template}{spec}{containers}[0]{image} : "$image:0.$_";
      { apiVersion => 'apps/v1', kind => 'ReplicaSet',
        metadata => { name => "$name-$hash_of{$_}", namespace => $rollout->{metadata}{namespace},
                      labels => { %{ $rollout->{spec}{selector}{matchLabels} }, 'rollouts-pod-template-hash' => $hash_of{$_} },
                      annotations => { 'rollout.argoproj.io/revision' => "$_" },
                      ownerReferences => [{ apiVersion => 'argoproj.io/v1alpha1', kind => 'Rollout', name => $name,
                                            uid => $rollout->{metadata}{uid}, controller => JSON::PP::true }] },
        spec => { replicas => 1, template => $template } };
    } 1 .. 3;
    $rollout->{metadata}{annotations}{'rollout.argoproj.io/revision'} = '3';
    $rollout->{spec}{template}{spec}{containers}[0]{image} = "$image:0.3";
    my $status = $rollout->{status};
    @$status{qw(stableRS currentPodHash phase message)} = ($hash_of{3}, $hash_of{3}, 'Healthy', '');
    $status->{blueGreen}{activeSelector} = $hash_of{3};
    if (scenario('ROLLOUT_STRATEGY') eq 'canary') {
      $rollout->{spec}{strategy} = { canary => { steps => [{ setWeight => 20 }, { pause => {} }] } };
      delete $status->{blueGreen};
      @$status{qw(stableRS phase message)} = ($hash_of{2}, 'Paused', 'CanaryPauseStep');
    }
    my $service = { apiVersion => 'v1', kind => 'Service',
                    metadata => { name => $active,
                                  namespace => $rollout->{metadata}{namespace} },
                    spec => { selector => { %{ $rollout->{spec}{selector}{matchLabels} },
                                            'rollouts-pod-template-hash' => $hash_of{3} } } };
    return { rollout => $rollout, replicasets => \@replicasets, service => $service };
  });
  if (scenario('ROLLOUT_GC')) {
    my $live = $cluster->{rollout}{metadata}{annotations}{'rollout.argoproj.io/revision'};
    $cluster->{replicasets} = [grep { $_->{metadata}{annotations}{'rollout.argoproj.io/revision'} eq $live }
                               @{ $cluster->{replicasets} }];
    save_rollouts_cluster($cluster);
  }
  return $cluster;
}

sub save_rollouts_cluster { save_state('rollouts', $_[0]); }

1;
