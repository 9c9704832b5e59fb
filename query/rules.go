package query

func recordedPartExprs(s Shape, plan TrendPlan) [numQueries]string {
	panic("todo")
}
