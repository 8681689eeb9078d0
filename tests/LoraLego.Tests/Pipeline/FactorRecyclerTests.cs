using System.Linq;
using LoraLego.Pipeline;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Pipeline;

public class FactorRecyclerTests
{
    [Fact]
    public void ReturnedArraysAreRentedAgainByExactLength()
    {
        var recycler = new FactorRecycler();
        var a = recycler.Rent(6);
        var bt = recycler.Rent(4);
        Assert.Equal(6, a.Length);
        Assert.Equal(4, bt.Length);
        recycler.Return(new[] { new UnitBlock(3, 2, a, bt, new[] { 1.0, 1.0 }) });

        Assert.Same(a, recycler.Rent(6));
        Assert.Same(bt, recycler.Rent(4));
        Assert.NotSame(a, recycler.Rent(6)); // taken: a new one
        Assert.Equal(5, recycler.Rent(5).Length);
    }

    [Fact]
    public void KeepsABoundedNumberPerLength()
    {
        var recycler = new FactorRecycler();
        var blocks = Enumerable.Range(0, 100).Select(_ => new UnitBlock(2, 1, recycler.Rent(2), recycler.Rent(1), new[] { 1.0 })).ToList();
        recycler.Return(blocks);
        var rented = Enumerable.Range(0, 100).Select(_ => recycler.Rent(2)).ToList();
        int reused = rented.Count(r => blocks.Any(b => ReferenceEquals(b.A, r)));
        Assert.Equal(FactorRecycler.MaxPerLength, reused);
    }

    [Fact]
    public void TakesBackOnlyWhatItLentAndNotWhatAResultStillUses()
    {
        var recycler = new FactorRecycler();
        var lent = new UnitBlock(3, 2, recycler.Rent(6), recycler.Rent(4), new[] { 1.0, 1.0 });
        var foreign = new UnitBlock(3, 2, new float[6], new float[4], new[] { 1.0, 1.0 });
        var result = new UnitBlock(3, 2, lent.A, new float[4], new[] { 1.0, 1.0 }); // shares lent.A

        recycler.Return(new[] { lent, foreign }, keep: result);
        recycler.Return(new[] { lent }, keep: result); // a second hand-back of the same arrays changes nothing

        var a = recycler.Rent(6);
        var bt = recycler.Rent(4);
        Assert.NotSame(lent.A, a);
        Assert.NotSame(foreign.A, a);
        Assert.Same(lent.BT, bt);
        Assert.NotSame(lent.BT, recycler.Rent(4)); // handed out once only
    }
}
