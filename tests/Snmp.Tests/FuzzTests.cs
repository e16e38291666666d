namespace PretixOps.Snmp.Tests;

/// <summary>
/// Random and mutated datagrams through every decoder: the only acceptable failure is a
/// <see cref="SnmpDecodeException"/>. Seeds are fixed so a failure reproduces; the loop counts are what a unit
/// test can afford, and the seeds differ per run of the suite only when FUZZ_SEED is set.
/// </summary>
public sealed class FuzzTests
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var seed) ? seed : 20261126;

    [Fact]
    public void Random_datagrams_never_escape_as_anything_but_a_decode_error()
    {
        var random = new Random(Seed);
        for (var i = 0; i < 30_000; i++)
        {
            var datagram = new byte[random.Next(0, 300)];
            random.NextBytes(datagram);
            if (datagram.Length > 2 && random.Next(2) == 0)
            {
                // Most random bytes fail at the first tag; make half of them look like a message to get deeper.
                datagram[0] = 0x30;
                datagram[1] = (byte)Math.Min(datagram.Length - 2, 127);
            }
            DecodeAll(datagram, i);
        }
    }

    [Fact]
    public void Mutated_valid_messages_never_escape_as_anything_but_a_decode_error()
    {
        var random = new Random(Seed + 1);
        byte[][] corpus = [.. ValidMessages()];
        for (var i = 0; i < 30_000; i++)
        {
            var datagram = corpus[random.Next(corpus.Length)].ToArray();
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                switch (random.Next(5))
                {
                    case 0:
                        datagram[random.Next(datagram.Length)] = (byte)random.Next(256);
                        break;
                    case 1:
                        datagram[random.Next(datagram.Length)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 2:
                        datagram = datagram[..random.Next(datagram.Length)];
                        break;
                    case 3:
                        // A length octet turned into a long form or an indefinite one.
                        datagram[random.Next(datagram.Length)] = (byte)(0x80 | random.Next(6));
                        break;
                    default:
                        var extra = new byte[random.Next(1, 8)];
                        random.NextBytes(extra);
                        datagram = [.. datagram, .. extra];
                        break;
                }
                if (datagram.Length == 0)
                {
                    break;
                }
            }
            DecodeAll(datagram, i);
        }
    }

    private static void DecodeAll(byte[] datagram, int iteration)
    {
        Attempt(() => MessageRouting.TryPeekId(datagram, out _, out _));
        Attempt(() => CommunityMessage.Decode(datagram));
        Attempt(() => V3Message.Decode(datagram));
        Attempt(() => new BerReader(datagram).ReadValue());
        Attempt(() =>
        {
            var reader = new BerReader(datagram);
            return ScopedPdu.Decode(ref reader);
        });

        void Attempt<T>(Func<T> decode)
        {
            try
            {
                decode();
            }
            catch (SnmpDecodeException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {iteration} (seed {Seed}), datagram {Convert.ToHexString(datagram)}: {e}");
            }
        }
    }

    private static IEnumerable<byte[]> ValidMessages()
    {
        var bindings = new Varbind[]
        {
            new(Oid.Parse("1.3.6.1.2.1.1.1.0"), SnmpValue.OctetString("Linux node-1 6.1.0")),
            new(Oid.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.TimeTicks(123_456)),
            new(Oid.Parse("1.3.6.1.2.1.31.1.1.1.6.1"), SnmpValue.Counter64(ulong.MaxValue)),
            new(Oid.Parse("1.3.6.1.2.1.25.2.3.1.2.1"), SnmpValue.ObjectIdentifier(Oid.Parse("1.3.6.1.2.1.25.2.1.2"))),
            new(Oid.Parse("1.3.6.1.2.1.4.20.1.1.10.0.0.1"), SnmpValue.IpAddress(System.Net.IPAddress.Parse("10.0.0.1"))),
            new(Oid.Parse("1.3.6.1.2.1.25.1.1.0"), SnmpValue.Integer(-5)),
            new(Oid.Parse("1.3.6.1.9.9"), SnmpValue.EndOfMibView),
        };
        var pdu = new Pdu(PduType.Response, 12_345, 0, 0, bindings);
        yield return CommunityMessage.Encode(SnmpVersion.V2c, "public"u8, pdu);
        var engine = Convert.FromHexString("80001F888056E1B0");
        var user = new UsmUser("fuzz", AuthProtocol.Sha1, "authpass123", PrivProtocol.Aes128, "privpass123");
        var keys = user.KeysFor(engine);
        var scoped = new ScopedPdu(engine, [], pdu).Encode();
        yield return V3Message.Encode(7, 65_507, V3Message.AuthFlag, new UsmParameters(engine, 3, 99, "fuzz"u8.ToArray(), [], []),
            scoped, AuthProtocol.Sha1, keys.AuthKey);
        var encrypted = new BerWriter();
        encrypted.WriteOctets(UsmCrypto.EncryptAes(keys.PrivKey!, 3, 99, new byte[8], scoped));
        yield return V3Message.Encode(8, 65_507, V3Message.AuthFlag | V3Message.PrivFlag,
            new UsmParameters(engine, 3, 99, "fuzz"u8.ToArray(), [], new byte[8]), encrypted.Written, AuthProtocol.Sha1, keys.AuthKey);
    }
}
