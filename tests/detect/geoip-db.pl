#!/usr/bin/perl
# tests/detect/geoip-db.pl: writes the small country database (MaxMind DB format, the layout of
# GeoLite2-Country / DB-IP country: country.iso_code) that the geoip keyword tests use, with
# Debian's libmaxmind-db-writer-perl. Made at test time, never downloaded.
#   tests/detect/geoip-db.pl OUT.mmdb
# The networks (mmdblookup, Debian mmdb-bin, is the oracle tests/detect/geoip.sh reads them
# back with):
#   10.0.0.0/30   JP  (10.0.0.0 .. 10.0.0.3), then, more specific:
#   10.0.0.1/32   US
#   10.0.0.3/32   DE
#   10.98.0.1/32  an entry with a continent and no country code; 10.98.0.2 has no entry
#   127.0.0.0/8   FR
#   fd00::1/128   US, fd00::2/128 JP (Suricata 7's geoip looks up IPv4 addresses only)
# Everything else has no entry.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift or die "usage: $0 OUT.mmdb\n";
my %types = (
    country   => 'map',
    continent => 'map',
    iso_code  => 'utf8_string',
    code      => 'utf8_string',
    names     => 'map',
    en        => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'spanwatch-test-Country',
    languages                => ['en'],
    description              => { en => 'spanwatch geoip keyword test database' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4       => 1,
);
sub country { return { country => { iso_code => $_[0], names => { en => $_[0] } } } }
# inserted from the widest: a later, more specific network replaces its part of an earlier one
$tree->insert_network('10.0.0.0/30', country('JP'));
$tree->insert_network('10.0.0.1/32', country('US'));
$tree->insert_network('10.0.0.3/32', country('DE'));
$tree->insert_network('10.98.0.1/32', { continent => { code => 'AS' } });
$tree->insert_network('127.0.0.0/8', country('FR'));
$tree->insert_network('fd00::1/128', country('US'));
$tree->insert_network('fd00::2/128', country('JP'));
open my $fh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($fh);
close $fh or die "$out: $!\n";
