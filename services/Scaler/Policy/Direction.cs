namespace PretixOps.Scaler.Policy;

public enum Direction
{
    Up,
    Down,
}
